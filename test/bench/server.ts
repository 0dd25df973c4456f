/**
 * Benchmark of `@labbook/server` on loopback, run from the repo root with
 *   node test/bench/run.mjs server
 * For a file-store-backed and a MySQL-backed server (MariaDB on 127.0.0.1; skipped with a note when
 * unreachable), autocannon drives POST runs/log-batch (10 metrics per request) at 1, 16 and 64
 * connections and prints req/s, p50 and p99; then times runs/search over 10,000 runs. Baseline: GET
 * /health in the same run (the framework's floor).
 *
 * First, the server's own cost per request: runs/log-metric, runs/create and runs/update made
 * in-process on the store (the same calls the handlers make, through the same validating wrapper)
 * and then over HTTP by one keep-alive client, medians side by side and their difference (the
 * server's routing, checks, JSON, hooks plus loopback; target <= 0.3 ms), and runs/log-batch at 64
 * connections against the store's own throughput with 64 concurrent in-process callers (target
 * within 1.2x). Over an in-memory store so the disk does not hide the server, then the file store
 * with fsync off and with fsync on. LABBOOK_BENCH_SERVER=overhead runs only this part (=memory only its in-memory half).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type RegistryStore, type TrackingStore, validatedTrackingStore } from '../../packages/core/src/index.js';
import { MemoryRegistryStore, MemoryTrackingStore } from '../../examples/plugin-memory/src/index.js';
import { FileRegistryStore, FileTrackingStore, LocalArtifactRepository } from '../../plugins/file/src/index.js';
import { MysqlRegistryStore, MysqlTrackingStore } from '../../plugins/mysql/src/index.js';
import { startServer } from '../../packages/server/src/index.js';
import { createMysqlTestDatabase } from '../harness/mysql.js';

const require = createRequire(join(process.cwd(), '../packages/server/package.json'));
const autocannon = require('autocannon') as (o: Record<string, unknown>) => Promise<{
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
}>;
const mysql = require('mysql2/promise');

/**
 * One keep-alive HTTP/1.1 connection that sends prepared bytes and reads the answer by its
 * content-length: far less client work than fetch, so the time measured is mostly the server's.
 */
class RawClient {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | undefined;
  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.settle();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  private settle(): void {
    const end = this.buffered.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiting) return;
    const head = this.buffered.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? Number.NaN);
    if (Number.isNaN(length)) throw new Error(`answer without content-length: ${head}`);
    if (this.buffered.length < end + 4 + length) return;
    this.buffered = this.buffered.subarray(end + 4 + length);
    const done = this.waiting;
    this.waiting = undefined;
    done(Number(head.slice(9, 12)));
  }

  post(path: string, body: string): Promise<number> {
    const bytes = Buffer.byteLength(body);
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(
        `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${bytes}\r\n\r\n${body}`,
      );
    });
  }

  /** GET over the same connection: loopback plus Fastify's floor, no body, only the guard's hooks. */
  get(path: string): Promise<number> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
    });
  }

  close(): void {
    this.socket.end();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeEach(n: number, call: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(500, n); i++) await call(-1 - i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await call(i);
    times.push(performance.now() - s);
  }
  return median(times);
}

/** Calls per second of `call` by `callers` concurrent loops over `seconds`. */
async function throughput(callers: number, seconds: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let n = 0;
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < until) await call(n++);
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

/**
 * `connections` keep-alive clients posting log-batch bodies for `seconds`, in a worker thread: the
 * load generator must not share the server's event loop (autocannon in this process took most of
 * it, and the server looked 25x slower than the store). Answers requests per second.
 */
function loadFromWorker(
  port: number,
  path: string,
  runIds: string[],
  connections: number,
  seconds: number,
): Promise<{ rps: number; non2xx: number }> {
  const code = `
    const { connect } = require('node:net');
    const { workerData, parentPort } = require('node:worker_threads');
    const { port, path, runIds, connections, seconds } = workerData;
    let n = 0, done = 0, non2xx = 0;
    const until = Date.now() + seconds * 1000;
    const start = Date.now();
    let open = connections;
    for (let c = 0; c < connections; c++) {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      let buffered = Buffer.alloc(0);
      const send = () => {
        if (Date.now() >= until) { socket.end(); if (--open === 0) parentPort.postMessage({ rps: done / ((Date.now() - start) / 1000), non2xx }); return; }
        const i = n++;
        const metrics = [];
        for (let k = 0; k < 10; k++) metrics.push({ key: 'm' + k, value: k / 3, timestamp: 1700000000000 + i, step: i });
        const body = JSON.stringify({ run_id: runIds[i % runIds.length], metrics });
        socket.write('POST ' + path + ' HTTP/1.1\\r\\nhost: 127.0.0.1\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body);
      };
      socket.on('connect', send);
      socket.on('data', (chunk) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        for (;;) {
          const end = buffered.indexOf('\\r\\n\\r\\n');
          if (end < 0) return;
          const head = buffered.subarray(0, end).toString('latin1');
          const length = Number(/\\r\\ncontent-length: *(\\d+)/i.exec(head)[1]);
          if (buffered.length < end + 4 + length) return;
          buffered = buffered.subarray(end + 4 + length);
          done++;
          if (head.slice(9, 10) !== '2') non2xx++;
          send();
        }
      });
    }`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { port, path, runIds, connections, seconds } });
    worker.once('message', (m: { rps: number; non2xx: number }) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

async function benchOverhead(label: string, stores: { tracking: TrackingStore; registry: RegistryStore }, samples: number): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'labbook-server-bench-'));
  const server = await startServer({
    port: 0,
    logger: false,
    uiDir: '',
    trackingStore: stores.tracking,
    registryStore: stores.registry,
    artifactRepository: new LocalArtifactRepository(join(root, 'mlartifacts')),
  });
  // What the server's handlers call: the store behind core's validating wrapper.
  const store = validatedTrackingStore(stores.tracking);
  const experimentId = await store.createExperiment(`overhead-${label}-${Date.now()}`);
  const runIds: string[] = [];
  for (let i = 0; i < 64; i++) runIds.push((await store.createRun({ experimentId, startTime: Date.now(), tags: [] })).info.runId);
  const runId = runIds[0]!;
  const port = Number(new URL(server.url).port);
  const client = await RawClient.open(port);
  const api = '/api/2.0/mlflow/';
  const expectOk = (status: number) => {
    if (status !== 200) throw new Error(`status ${status}`);
  };
  const health = await timeEach(samples, async () => expectOk(await client.get('/health')));
  const rpcs: { path: string; inProcess: (i: number) => Promise<unknown>; body: (i: number) => string }[] = [
    {
      path: 'runs/log-metric',
      inProcess: (i) => store.logBatch(runId, { metrics: [{ key: 'loss', value: i / 7, timestamp: 1_700_000_000_000 + i, step: i }] }),
      body: (i) => JSON.stringify({ run_id: runId, key: 'loss', value: i / 7, timestamp: 1_700_000_000_000 + i, step: i }),
    },
    {
      path: 'runs/create',
      inProcess: (i) => store.createRun({ experimentId, startTime: 1_700_000_000_000 + i, runName: `r${i}`, tags: [] }),
      body: (i) => JSON.stringify({ experiment_id: experimentId, start_time: 1_700_000_000_000 + i, run_name: `r${i}` }),
    },
    {
      path: 'runs/update',
      inProcess: (i) => store.updateRunInfo(runId, { status: 'RUNNING', endTime: 1_700_000_000_000 + i }),
      body: (i) => JSON.stringify({ run_id: runId, status: 'RUNNING', end_time: 1_700_000_000_000 + i }),
    },
  ];
  console.log(`overhead (${label}): GET /health over one connection, median ${(health * 1000).toFixed(0)} µs (loopback + framework floor)`);
  for (const rpc of rpcs) {
    const inProcess = await timeEach(samples, rpc.inProcess);
    const http = await timeEach(samples, async (i) => expectOk(await client.post(`${api}${rpc.path}`, rpc.body(i))));
    console.log(
      `overhead (${label}) ${rpc.path}, 1 client: in-process ${(inProcess * 1000).toFixed(0)} µs, over HTTP ${(http * 1000).toFixed(0)} µs median; server adds ${((http - inProcess) * 1000).toFixed(0)} µs (target <= 300 µs), ${((http - inProcess - health) * 1000).toFixed(0)} µs above /health`,
    );
  }
  client.close();

  const batch = (i: number) => ({
    run_id: runIds[i % runIds.length]!,
    metrics: Array.from({ length: 10 }, (_, k) => ({ key: `m${k}`, value: k / 3, timestamp: 1_700_000_000_000 + i, step: i })),
  });
  const own = await throughput(64, 3, (i) => {
    const b = batch(i);
    return store.logBatch(b.run_id, { metrics: b.metrics, params: [], tags: [] });
  });
  const r = await loadFromWorker(port, `${api}runs/log-batch`, runIds, 64, 3);
  console.log(
    `overhead (${label}) runs/log-batch (10 metrics), 64 concurrent: store in-process ${Math.round(own)} calls/s, over HTTP ${Math.round(r.rps)} req/s (64 connections from a worker thread) non2xx ${r.non2xx}; store/server ${(own / r.rps).toFixed(2)}x (target <= 1.2x)`,
  );
  await server.close();
  rmSync(root, { recursive: true, force: true });
}

async function benchServer(label: string, stores: { tracking: TrackingStore; registry: RegistryStore }): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'labbook-server-bench-'));
  const server = await startServer({
    port: 0,
    logger: false,
    uiDir: '',
    trackingStore: stores.tracking,
    registryStore: stores.registry,
    artifactRepository: new LocalArtifactRepository(join(root, 'mlartifacts')),
  });
  const post = async (path: string, body: unknown) =>
    (await (
      await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { experiment_id: string; run: { info: { run_id: string } } };

  const { experiment_id } = await post('experiments/create', { name: 'bench' });
  const runIds: string[] = [];
  for (let i = 0; i < 64; i++) runIds.push((await post('runs/create', { experiment_id })).run.info.run_id);

  const health = await autocannon({ url: `${server.url}/health`, connections: 16, duration: 3 });
  console.log(
    `baseline GET /health, 16 conns: ${Math.round(health.requests.average)} req/s p50 ${health.latency.p50} ms p99 ${health.latency.p99} ms`,
  );

  for (const connections of [1, 16, 64]) {
    let n = 0;
    const r = await autocannon({
      url: `${server.url}/api/2.0/mlflow/runs/log-batch`,
      connections,
      duration: 5,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupClient: (client: { setBody: (b: string) => void; on: (e: string, f: () => void) => void }) => {
        const next = () => {
          n++;
          const ts = Date.now();
          client.setBody(
            JSON.stringify({
              run_id: runIds[n % runIds.length],
              metrics: Array.from({ length: 10 }, (_, k) => ({ key: `m${k}`, value: Math.random(), timestamp: ts, step: n })),
            }),
          );
        };
        next();
        client.on('response', next);
      },
    });
    console.log(
      `runs/log-batch (${label}), ${connections} conns: ${Math.round(r.requests.average)} req/s p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms non2xx ${r.non2xx} (vs /health ${(r.requests.average / health.requests.average).toFixed(2)}x)`,
    );
  }

  const { experiment_id: searchExp } = await post('experiments/create', { name: 'search' });
  const t0 = performance.now();
  const create = Array.from({ length: 10_000 }, (_, i) => i);
  for (let i = 0; i < create.length; i += 50)
    await Promise.all(
      create.slice(i, i + 50).map(async (k) => {
        const id = (await post('runs/create', { experiment_id: searchExp })).run.info.run_id;
        await post('runs/log-batch', {
          run_id: id,
          metrics: [{ key: 'acc', value: k / 10_000, timestamp: 1, step: 0 }],
          params: [{ key: 'k', value: String(k % 10) }],
        });
      }),
    );
  console.log(`${label}: created 10,000 runs over HTTP in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const [query, body] of [
    ['first page (100), default order', { experiment_ids: [searchExp], max_results: 100 }],
    [
      'filter metrics.acc > 0.9 order by metrics.acc DESC',
      { experiment_ids: [searchExp], filter: 'metrics.acc > 0.9', order_by: ['metrics.acc DESC'], max_results: 100 },
    ],
    ["filter params.k = '3', 1000 results", { experiment_ids: [searchExp], filter: "params.k = '3'", max_results: 1000 }],
  ] as const) {
    const store = label;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      await post('runs/search', body);
      times.push(performance.now() - s);
    }
    const first = times[0]!;
    times.sort((a, b) => a - b);
    console.log(
      `runs/search (${store}) over 10,000 runs, ${query}: first call ${first.toFixed(1)} ms, median of 5 ${times[2]!.toFixed(1)} ms`,
    );
  }

  await server.close();
  rmSync(root, { recursive: true, force: true });
}

const memoryUri = `memory://bench-${process.pid}`;
await benchOverhead('memory', { tracking: new MemoryTrackingStore(memoryUri), registry: new MemoryRegistryStore(memoryUri) }, 3000);
for (const fsync of process.env.LABBOOK_BENCH_SERVER === 'memory' ? [] : [false, true]) {
  const overheadRoot = mkdtempSync(join(tmpdir(), 'labbook-server-bench-overhead-'));
  await benchOverhead(
    `file, fsync ${fsync ? 'on' : 'off'}`,
    {
      tracking: new FileTrackingStore({ root: overheadRoot, fsync }),
      registry: new FileRegistryStore({ root: overheadRoot, fsync }),
    },
    fsync ? 300 : 2000,
  );
  rmSync(overheadRoot, { recursive: true, force: true });
}
if (process.env.LABBOOK_BENCH_SERVER) process.exit(0);

const fileRoot = mkdtempSync(join(tmpdir(), 'labbook-server-bench-file-'));
await benchServer('file', {
  tracking: new FileTrackingStore({ root: fileRoot, fsync: false }),
  registry: new FileRegistryStore({ root: fileRoot, fsync: false }),
});
rmSync(fileRoot, { recursive: true, force: true });

let db: Awaited<ReturnType<typeof createMysqlTestDatabase>> | undefined;
try {
  db = await createMysqlTestDatabase(mysql, 'labbook_bench');
} catch (error) {
  console.log(`mysql: skipped, no server reachable (${(error as Error).message})`);
}
if (db) {
  try {
    await benchServer('mysql', {
      tracking: new MysqlTrackingStore({ uri: db.url, artifactRoot: 'mlflow-artifacts:/' }),
      registry: new MysqlRegistryStore({ uri: db.url }),
    });
  } finally {
    await db.drop();
  }
}
