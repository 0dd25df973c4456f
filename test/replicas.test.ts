// Several stateless `labbook server` processes on one PostgreSQL database and one S3 bucket (s3rver),
// as a deployment behind a load balancer runs them: a name created on two replicas at once exists once,
// 64 clients spread over the replicas lose nothing, and a replica killed under load loses no write it
// acknowledged while the others keep answering.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresTestDatabase, type PostgresTestDatabase } from './harness/postgres.js';
import { type S3TestServer, startS3rver } from './harness/s3rver.js';
import { serviceAvailable } from './harness/service.js';

const cli = join(import.meta.dirname, '..', 'packages', 'labbook', 'dist', 'cli.js');
const REPLICAS = 3;

interface Replica {
  child: ChildProcess;
  url: string;
}

let db: PostgresTestDatabase | undefined;
let s3: S3TestServer | undefined;
let dir: string;
const replicas: Replica[] = [];

function startReplica(uri: string, s3server: S3TestServer): Promise<Replica> {
  const child = spawn(
    process.execPath,
    [
      cli,
      'server',
      '--port',
      '0',
      '--backend-store-uri',
      uri,
      '--artifacts-destination',
      `s3://${s3server.bucket}/artifacts`,
      '--log-level',
      'warn',
    ],
    {
      cwd: import.meta.dirname,
      env: {
        ...process.env,
        MLFLOW_S3_ENDPOINT_URL: s3server.endpoint,
        AWS_ACCESS_KEY_ID: s3server.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3server.credentials.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`labbook server did not start within 30 s: ${stderr}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`labbook server exited with ${code}: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^labbook server listening at (\S+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

let available = true;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'labbook-replicas-'));
  try {
    db = await createPostgresTestDatabase('labbook_replicas');
    s3 = await startS3rver('labbook-replicas');
  } catch (error) {
    available = serviceAvailable('PostgreSQL + s3rver', error);
    return;
  }
  // The first replica creates the schema; the others start at once and must take turns with it.
  const started = await Promise.all(Array.from({ length: REPLICAS }, () => startReplica(db!.url, s3!)));
  replicas.push(...started);
}, 120_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => kill(r.child)));
  await s3?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(url: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/2.0/mlflow/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function ok(url: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const { status, json } = await call(url, path, body);
  if (status !== 200) throw new Error(`${path} answered ${status}: ${JSON.stringify(json)}`);
  return json;
}

async function history(url: string, runId: string, key: string): Promise<{ step: string | number; value: number }[]> {
  const json = await ok(url, `metrics/get-history?run_id=${runId}&metric_key=${key}&max_results=25000`);
  return (json.metrics as { step: string | number; value: number }[] | undefined) ?? [];
}

describe('three labbook servers on one PostgreSQL database and one S3 bucket', () => {
  it('creates an experiment name raced on every replica exactly once, the others told RESOURCE_ALREADY_EXISTS', async () => {
    if (!available) return;
    for (let round = 0; round < 5; round++) {
      const name = `raced-${round}`;
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, i) => call(replicas[i % REPLICAS]!.url, 'experiments/create', { name })),
      );
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      const refused = answers.filter((a) => a.status !== 200);
      expect(refused.map((a) => [a.status, a.json.error_code])).toEqual(refused.map(() => [400, 'RESOURCE_ALREADY_EXISTS']));
    }
  });

  it('loses nothing when 64 clients log through all three replicas', async () => {
    if (!available) return;
    const { experiment_id } = await ok(replicas[0]!.url, 'experiments/create', { name: 'sixty-four' });
    const BATCHES = 10;
    const PER_BATCH = 50;
    const runIds = await Promise.all(
      Array.from({ length: 64 }, async (_, c) => {
        const created = await ok(replicas[c % REPLICAS]!.url, 'runs/create', { experiment_id, start_time: Date.now() });
        const runId = (created.run as { info: { run_id: string } }).info.run_id;
        for (let b = 0; b < BATCHES; b++) {
          const metrics = Array.from({ length: PER_BATCH }, (_, i) => ({
            key: 'loss',
            value: c + i / 1000,
            timestamp: 1,
            step: b * PER_BATCH + i,
          }));
          await ok(replicas[(c + b) % REPLICAS]!.url, 'runs/log-batch', {
            run_id: runId,
            metrics,
            params: b === 0 ? [{ key: 'client', value: String(c) }] : [],
          });
        }
        return runId;
      }),
    );
    const counts = await Promise.all(runIds.map(async (id, c) => (await history(replicas[(c + 1) % REPLICAS]!.url, id, 'loss')).length));
    expect(counts).toEqual(runIds.map(() => BATCHES * PER_BATCH));
    const search = await ok(replicas[2]!.url, 'runs/search', { experiment_ids: [experiment_id], max_results: 100 });
    expect((search.runs as unknown[]).length).toBe(64);
  });

  it('shares artifacts: uploaded through one replica, downloaded through another', async () => {
    if (!available) return;
    const body = `artifact ${Date.now()}`;
    const put = await fetch(`${replicas[0]!.url}/api/2.0/mlflow-artifacts/artifacts/shared/note.txt`, { method: 'PUT', body });
    expect(put.status).toBe(200);
    const got = await fetch(`${replicas[1]!.url}/api/2.0/mlflow-artifacts/artifacts/shared/note.txt`);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe(body);
  });

  it('loses no acknowledged write when a replica is killed under load, and the others keep answering', async () => {
    if (!available) return;
    const { experiment_id } = await ok(replicas[1]!.url, 'experiments/create', { name: 'killed-under-load' });
    const CLIENTS = 24;
    const BATCHES = 40;
    const victim = replicas[0]!;
    let killed = false;
    let dropped = 0;
    const unexpected: string[] = [];
    const runIds = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const created = await ok(replicas[1 + (c % 2)]!.url, 'runs/create', { experiment_id });
        return (created.run as { info: { run_id: string } }).info.run_id;
      }),
    );
    const killing = (async () => {
      await new Promise((r) => setTimeout(r, 400));
      killed = true;
      await kill(victim.child);
    })();
    const acked = await Promise.all(
      runIds.map(async (runId, c) => {
        const steps: number[] = [];
        for (let b = 0; b < BATCHES; b++) {
          const target = replicas[(c + b) % REPLICAS]!;
          const metrics = Array.from({ length: 10 }, (_, i) => ({ key: 'm', value: b, timestamp: 1, step: b * 10 + i }));
          try {
            const res = await call(target.url, 'runs/log-batch', { run_id: runId, metrics });
            if (res.status === 200) steps.push(...metrics.map((m) => m.step));
            else unexpected.push(`${target === victim ? 'victim' : 'survivor'} answered ${res.status} ${JSON.stringify(res.json)}`);
          } catch (error) {
            // Only the killed replica may drop connections: a write it never answered was not acknowledged.
            if (target !== victim || !killed) unexpected.push(`${target === victim ? 'victim' : 'survivor'}: ${String(error)}`);
            else dropped++;
          }
        }
        return { runId, steps };
      }),
    );
    await killing;
    expect(unexpected).toEqual([]);
    // The kill fell while the clients were still writing: the victim refused some of them.
    expect(dropped).toBeGreaterThan(0);
    // The victim answered some writes before it died, and the survivors every one.
    expect(acked.every((a) => a.steps.length >= (BATCHES * 10 * 2) / 3)).toBe(true);
    for (const { runId, steps } of acked) {
      const stored = new Set((await history(replicas[2]!.url, runId, 'm')).map((p) => Number(p.step)));
      expect(steps.filter((s) => !stored.has(s))).toEqual([]);
    }
  });
});
