// Core owns the query: a search that crosses the server, the guard and a store is parsed once. The
// parser publishes on `labbook.search.parse` each time it reads a filter or an order_by; this test
// counts those events per request, for each kind of search and each backend.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { fileServer, mysqlBackedServer, mysqlDatabaseOrSkip } from './helpers.js';

interface ParseEvent {
  entity: string;
  field: string;
}

const events: ParseEvent[] = [];
const onParse = (message: unknown) => events.push(message as ParseEvent);

async function post(server: RunningServer, path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await r.json()) as Record<string, unknown>;
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

async function get(server: RunningServer, path: string, query: Record<string, string>): Promise<Record<string, unknown>> {
  const params = new URLSearchParams(query);
  const r = await fetch(`${server.url}/api/2.0/mlflow/${path}?${params}`);
  const json = (await r.json()) as Record<string, unknown>;
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** The parse events one call causes. */
async function parsesOf(call: () => Promise<unknown>): Promise<ParseEvent[]> {
  events.length = 0;
  await call();
  return [...events];
}

function suite(name: string, start: () => Promise<(RunningServer & { dispose: () => Promise<void> }) | undefined>) {
  describe(`a search is parsed once (${name})`, () => {
    let server: (RunningServer & { dispose: () => Promise<void> }) | undefined;
    let experimentId = '';

    beforeAll(async () => {
      server = await start();
      if (!server) return;
      subscribe('labbook.search.parse', onParse);
      experimentId = String((await post(server, 'experiments/create', { name: `parse-once-${Date.now()}` })).experiment_id);
      for (let i = 0; i < 3; i++) {
        const run = (await post(server, 'runs/create', { experiment_id: experimentId, start_time: 1000 + i })) as {
          run: { info: { run_id: string } };
        };
        await post(server, 'runs/log-batch', {
          run_id: run.run.info.run_id,
          metrics: [{ key: 'loss', value: i, timestamp: 1, step: 0 }],
          params: [{ key: 'lr', value: String(i) }],
        });
      }
      await post(server, 'registered-models/create', { name: `parse-once-model-${Date.now()}` });
    }, 60_000);

    afterAll(async () => {
      unsubscribe('labbook.search.parse', onParse);
      await server?.dispose();
    });

    it('runs: one filter parse and one order_by parse, and the result is filtered and ordered', async (ctx) => {
      if (!server) return ctx.skip();
      let runs: { data: { metrics: { value: number }[] } }[] = [];
      const seen = await parsesOf(async () => {
        const r = await post(server!, 'runs/search', {
          experiment_ids: [experimentId],
          filter: 'metrics.loss >= 1 and params.lr != "9"',
          order_by: ['metrics.loss DESC'],
          max_results: 1,
        });
        runs = r.runs as typeof runs;
      });
      expect(seen).toEqual([
        expect.objectContaining({ entity: 'runs', field: 'filter' }),
        expect.objectContaining({ entity: 'runs', field: 'order_by' }),
      ]);
      expect(runs.map((r) => r.data.metrics[0]?.value)).toEqual([2]);
    });

    it('experiments, registered models and model versions: one filter parse each', async (ctx) => {
      if (!server) return ctx.skip();
      expect(await parsesOf(() => post(server!, 'experiments/search', { filter: "name LIKE 'parse-once-%'" }))).toEqual([
        expect.objectContaining({ entity: 'experiments', field: 'filter' }),
      ]);
      expect(await parsesOf(() => get(server!, 'registered-models/search', { filter: "name LIKE 'parse-once-%'" }))).toEqual([
        expect.objectContaining({ entity: 'registered_models', field: 'filter' }),
      ]);
      expect(await parsesOf(() => get(server!, 'model-versions/search', { filter: "name = 'parse-once'" }))).toEqual([
        expect.objectContaining({ entity: 'model_versions', field: 'filter' }),
      ]);
    });
  });
}

suite('file store', async () => {
  const s = await fileServer();
  return { ...s, dispose: () => s.close().then(() => rmSync(s.root, { recursive: true, force: true })) };
});

suite('MySQL', async () => {
  const db = await mysqlDatabaseOrSkip('labbook_parse_once');
  return db ? mysqlBackedServer(db) : undefined;
});
