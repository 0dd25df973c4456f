/**
 * Hostile and edge-case requests against a server backed by MySQL (MariaDB on 127.0.0.1): page tokens
 * with absurd offsets, filters comparing with ±1e400, filters wider than MySQL's 61-table join limit,
 * driver failures, and a database that does not exist. Each must answer as the file store does (or
 * with a clean 4xx/5xx), never with SQL or driver text in the body. Skips with the reason on a machine
 * without MySQL; fails under CI=true.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { LabbookError } from '@labbook/core';
import { MysqlRegistryStore, MysqlTrackingStore } from '@labbook/plugin-mysql';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlTestDatabase, mysqlServerUrl } from '../../../test/harness/mysql.js';
import { type RunningServer, startServer } from '../src/index.js';
import { mysqlDatabaseOrSkip } from './helpers.js';
import { getJson, postJson } from './raw-http.js';

const database = () => mysqlDatabaseOrSkip('labbook_atk');
const probe = await database();
await probe?.drop();

// What a driver message or SQL statement would put in a response body.
// (SQL keywords in capitals, as statements have them, so that English "from" passes.)
const DRIVER_TEXT =
  /ER_[A-Z_]+|errno|sqlState|\b(SELECT|INSERT|FROM|WHERE)\b|latest_metrics|doesn't exist|Table '|SQL syntax|Unknown column|Too many tables/;

/** Every store error the server saw, so a test can look at what the log gets (the cause). */
function recording<T extends object>(store: T, errors: unknown[]): T {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const out = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (out instanceof Promise) {
          return out.catch((error: unknown) => {
            errors.push(error);
            throw error;
          });
        }
        return out;
      };
    },
  });
}

async function onServer(db: MysqlTestDatabase, statement: string): Promise<void> {
  const c = await mysql.createConnection({ uri: db.url });
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

const token = (offset: string) => Buffer.from(`{"offset": ${offset}}`).toString('base64');

describe.runIf(probe !== undefined)('attacks on a MySQL-backed server', () => {
  let db: MysqlTestDatabase;
  let dir: string;
  let server: RunningServer;
  let url: string;
  let expId: string;
  const errors: unknown[] = [];
  const logLines: string[] = [];
  const runNames: Record<string, string> = {};

  beforeAll(async () => {
    db = (await database())!;
    dir = mkdtempSync(join(tmpdir(), 'labbook-atk-mysql-'));
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    server = await startServer({
      port: 0,
      logger: { level: 'error', stream },
      uiDir: '',
      trackingStore: recording(new MysqlTrackingStore({ uri: db.url, artifactRoot: 'mlflow-artifacts:/' }), errors),
      registryStore: recording(new MysqlRegistryStore({ uri: db.url }), errors),
      artifactsDestination: join(dir, 'mlartifacts'),
    });
    url = server.url;
    const exp = await postJson(url, '/api/2.0/mlflow/experiments/create', { name: 'attacks' });
    expId = String(exp.json.experiment_id);
    // acc: a=1, b=NaN, c=+Inf (stored clamped), d without the metric.
    for (const [name, acc, start] of [
      ['a', 1, 100],
      ['b', 'NaN', 200],
      ['c', 'Infinity', 300],
      ['d', undefined, 400],
    ] as const) {
      const run = await postJson(url, '/api/2.0/mlflow/runs/create', { experiment_id: expId, run_name: name, start_time: start });
      const runId = (run.json.run as { info: { run_id: string } }).info.run_id;
      runNames[runId] = name;
      if (acc !== undefined) {
        const logged = await postJson(url, '/api/2.0/mlflow/runs/log-metric', {
          run_id: runId,
          key: 'acc',
          value: acc,
          timestamp: 1,
          step: 0,
        });
        expect(logged.status, JSON.stringify(logged.json)).toBe(200);
      }
    }
    await postJson(url, '/api/2.0/mlflow/registered-models/create', { name: 'model' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const search = async (filter: string) => {
    const r = await postJson(url, '/api/2.0/mlflow/runs/search', { experiment_ids: [expId], filter });
    expect(r.status, `${filter}: ${JSON.stringify(r.json).slice(0, 300)}`).toBe(200);
    return ((r.json.runs ?? []) as { info: { run_id: string } }[]).map((run) => runNames[run.info.run_id]);
  };

  it.each(['1e20', '9007199254740992', '1e400', '-1', '0', '2.5'])(
    'refuses a page token with offset %s on every search',
    async (offset) => {
      const pageToken = token(offset);
      const replies = [
        await postJson(url, '/api/2.0/mlflow/runs/search', { experiment_ids: [expId], page_token: pageToken }),
        await postJson(url, '/api/2.0/mlflow/experiments/search', { max_results: 10, page_token: pageToken }),
        await getJson(url, `/api/2.0/mlflow/registered-models/search?page_token=${encodeURIComponent(pageToken)}`),
        await getJson(url, `/api/2.0/mlflow/model-versions/search?page_token=${encodeURIComponent(pageToken)}`),
      ];
      for (const r of replies) {
        expect(r.status, JSON.stringify(r.json)).toBe(400);
        expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
        expect(String(r.json.message)).toContain('Invalid page token');
        expect(String(r.json.message)).not.toMatch(DRIVER_TEXT);
      }
    },
  );

  it('compares metrics and times with ±1e400 as the file store does', async () => {
    expect(await search('metrics.acc > 1e400')).toEqual([]);
    expect(await search('metrics.acc >= 1e400')).toEqual([]);
    // +Inf was stored clamped to the largest double (as MLflow's SQL store does), so it is below +inf.
    expect(await search('metrics.acc < 1e400')).toEqual(['c', 'a']);
    expect(await search('metrics.acc > -1e400')).toEqual(['c', 'a']);
    expect(await search('metrics.acc < -1e400')).toEqual([]);
    expect(await search('metrics.acc != 1e400')).toEqual(['c', 'b', 'a']);
    expect(await search('attributes.start_time > 1e400')).toEqual([]);
    expect(await search('attributes.start_time < 1e400')).toEqual(['d', 'c', 'b', 'a']);
    expect(await search('attributes.start_time > -1e400')).toEqual(['d', 'c', 'b', 'a']);
    expect(await search('attributes.start_time < -1e400')).toEqual([]);
    expect(await search('attributes.end_time < 1e400')).toEqual([]);
  });

  it.each([72, 150])('answers a filter of %i clauses', async (count) => {
    const clauses = (make: (i: number) => string) => Array.from({ length: count }, (_, i) => make(i)).join(' AND ');
    expect(await search(clauses(() => 'metrics.acc > 0'))).toEqual(['c', 'a']);
    expect(await search(clauses((i) => `params.p${i} = 'x'`))).toEqual([]);
    expect(await search(clauses((i) => `tags.t${i} != 'x'`))).toEqual([]);
    expect(await search(clauses((i) => (i % 2 === 0 ? 'metrics.acc >= 1' : "tags.`mlflow.runName` LIKE '%'")))).toEqual(['c', 'a']);
  });

  it('answers a driver failure with a clean 500: no SQL or driver text in the body, the details in the log', async () => {
    errors.length = 0;
    logLines.length = 0;
    await onServer(db, 'RENAME TABLE latest_metrics TO latest_metrics_gone');
    try {
      const r = await postJson(url, '/api/2.0/mlflow/runs/search', { experiment_ids: [expId], filter: 'metrics.acc > 0' });
      expect(r.status).toBe(500);
      expect(r.json.error_code).toBe('INTERNAL_ERROR');
      const message = String(r.json.message);
      expect(message).toMatch(/The database failed to run a query .*\(reference [0-9a-f]{8}\)/);
      expect(JSON.stringify(r.json)).not.toMatch(DRIVER_TEXT);
      expect(JSON.stringify(r.json)).not.toMatch(/\n\s+at /);
      const reference = /reference ([0-9a-f]{8})/.exec(message)![1]!;

      const error = errors.find(LabbookError.is);
      expect(error?.message).toBe(message);
      const cause = error?.cause as { code?: string; statement?: string; parameterCount?: number; message?: string };
      expect(cause.code).toBe('ER_NO_SUCH_TABLE');
      expect(cause.statement).toContain('FROM latest_metrics');
      expect(cause.parameterCount).toBeGreaterThan(0);
      expect(cause.message).toContain(reference);

      // The log line ties the reference to the driver's error.
      const logged = logLines.join('\n');
      expect(logged).toContain(reference);
      expect(logged).toContain("latest_metrics' doesn't exist");
    } finally {
      await onServer(db, 'RENAME TABLE latest_metrics_gone TO latest_metrics');
    }
    expect(await search('metrics.acc > 0')).toEqual(['c', 'a']);
  });
});

describe.runIf(probe !== undefined)('a MySQL-backed server on a database that does not exist', () => {
  const serverUrl = mysqlServerUrl();

  async function serve(uri: string, createDatabase?: boolean): Promise<{ server: RunningServer; dir: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'labbook-atk-mysql-'));
    const options = { uri, ...(createDatabase === undefined ? {} : { createDatabase }) };
    const server = await startServer({
      port: 0,
      logger: false,
      uiDir: '',
      trackingStore: new MysqlTrackingStore({ ...options, artifactRoot: 'mlflow-artifacts:/' }),
      registryStore: new MysqlRegistryStore(options),
      artifactsDestination: join(dir, 'mlartifacts'),
    });
    return { server, dir };
  }

  it('names the database and how to create it', async () => {
    const { server, dir } = await serve(`${serverUrl}/does_not_exist`, false);
    try {
      const r = await postJson(server.url, '/api/2.0/mlflow/experiments/search', { max_results: 10 });
      expect(r.status).toBe(500);
      const message = String(r.json.message);
      expect(message).toContain("The database 'does_not_exist' named in the tracking URI does not exist");
      expect(message).toContain('CREATE DATABASE `does_not_exist`');
      expect(message).not.toMatch(/ER_BAD_DB_ERROR|Unknown database/);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates it by default, as MLflow does', async () => {
    const name = `labbook_atk_new_${randomBytes(4).toString('hex')}`;
    const { server, dir } = await serve(`${serverUrl}/${name}`);
    try {
      const r = await postJson(server.url, '/api/2.0/mlflow/experiments/create', { name: 'fresh' });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      const c = await mysql.createConnection({ uri: serverUrl });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    }
  });
});
