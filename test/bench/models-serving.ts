/**
 * Benchmark of the scoring server (`@labbook/server`'s startScoringServer), run from the repo root with
 *   node test/bench/run.mjs models-serving
 * An MLP ONNX model (generated here: 256 → 1024 ReLU → 16, 8 rows a request) served over loopback:
 * `/invocations` requests/s, p50 and p99 at 1 and 16 keep-alive clients (a worker thread sends, so
 * the load generator does not share the server's event loop), beside the floor: the same input
 * through onnxruntime-node's `session.run` in a loop in this process (one caller, and 16 concurrent;
 * onnxruntime-node runs a session synchronously on the main thread, so concurrency cannot add
 * throughput there), and the HTTP floor: a do-nothing Fastify route taking the same body as text and
 * answering a fixed reply of the same size, driven the same way. A server does both in turn on
 * one thread, so its throughput is compared with each floor and with min(model, HTTP) (goal >= 0.8x);
 * the serial bound 1/(1/model + 1/HTTP) is printed beside it. The server micro-batches (requests
 * waiting at once run as one session.run over their stacked rows), the only way past that bound
 * on one thread; the floors stay one 8-row run per request, as a client would call the model.
 * Then the same server in 2 worker processes (`startScoringWorkers`, `--workers 2`), the figure
 * that grows with the cores (the model floor is one thread; here the load generator shares the
 * machine's 2 cores with the workers).
 *
 * Then load-by-alias from a cold cache of a ~10 MB ONNX model (one 1600 x 1600 float32 MatMul):
 * logged through a local tracking server (artifacts proxied, so the cache really downloads),
 * registered, aliased, then `loadModel('models:/big@champion')` into an empty cache folder
 * (goal < 1 s); and the same through a file store, read in place.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Client, inferSignature, loadModel, PluginRegistry, restPlugin, tensor } from '../../packages/core/src/index.js';
import { startServer } from '../../packages/server/src/index.js';
import { startScoringServer, startScoringWorkers } from '../../packages/server/src/scoring/index.js';
import onnxPlugin from '../../plugins/onnx/src/plugin.js';
import { makeOnnxApp } from '../harness/onnx-app.js';

// Only what the floor uses: onnxruntime-node is the onnx plugin's dependency, not this folder's.
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<unknown>;
  release(): Promise<void>;
}
const serverRequire = createRequire(join(import.meta.dirname, '../../packages/server/package.json'));
const ort = createRequire(join(import.meta.dirname, '../../plugins/onnx/package.json'))('onnxruntime-node') as {
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
  InferenceSession: { create(path: string, options?: Record<string, unknown>): Promise<OrtSession> };
};

// --- A minimal ONNX (protobuf) writer: enough for MatMul/Add/Relu graphs with float initializers.
function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, n: number): Buffer => Buffer.from([...key(field, 0), ...varint(n)]);
const bytes = (field: number, b: Buffer | string): Buffer => {
  const buf = typeof b === 'string' ? Buffer.from(b) : b;
  return Buffer.concat([Buffer.from([...key(field, 2), ...varint(buf.length)]), buf]);
};
const msg = (field: number, ...parts: Buffer[]) => bytes(field, Buffer.concat(parts));

function floatTensor(field: number, name: string, dims: number[], data: Float32Array): Buffer {
  return msg(
    field,
    ...dims.map((d) => int(1, d)),
    int(2, 1),
    bytes(8, name),
    bytes(9, Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
  );
}
function valueInfo(field: number, name: string, dims: (number | string)[]): Buffer {
  const shape = msg(2, ...dims.map((d) => msg(1, typeof d === 'number' ? int(1, d) : bytes(2, d))));
  return msg(field, bytes(1, name), msg(2, msg(1, int(1, 1), shape)));
}
const node = (op: string, inputs: string[], output: string) =>
  msg(1, ...inputs.map((i) => bytes(1, i)), bytes(2, output), bytes(3, output), bytes(4, op));

function random(n: number, scale: number): Float32Array {
  const a = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    a[i] = ((s / 0x7fffffff) * 2 - 1) * scale;
  }
  return a;
}

/** input [N, widths[0]] → MatMul/Add (ReLU between) … → output [N, widths.at(-1)]. */
function mlpModel(widths: number[]): Buffer {
  const nodes: Buffer[] = [];
  const inits: Buffer[] = [];
  let prev = 'input';
  for (let l = 0; l + 1 < widths.length; l++) {
    const [a, b] = [widths[l]!, widths[l + 1]!];
    inits.push(floatTensor(5, `W${l}`, [a, b], random(a * b, 1 / Math.sqrt(a))), floatTensor(5, `B${l}`, [b], random(b, 0.1)));
    nodes.push(node('MatMul', [prev, `W${l}`], `mm${l}`));
    const last = l + 2 === widths.length;
    nodes.push(node('Add', [`mm${l}`, `B${l}`], last ? 'output' : `add${l}`));
    if (!last) nodes.push(node('Relu', [`add${l}`], `relu${l}`));
    prev = `relu${l}`;
  }
  const graph = msg(
    7,
    ...nodes,
    bytes(2, 'mlp'),
    ...inits,
    valueInfo(11, 'input', ['N', widths[0]!]),
    valueInfo(12, 'output', ['N', widths.at(-1)!]),
  );
  return Buffer.concat([int(1, 7), msg(8, bytes(1, ''), int(2, 13)), bytes(2, 'labbook-bench'), graph]);
}

// --- Load generation: raw keep-alive HTTP/1.1 clients in a worker thread, latencies per request.
interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}
function loadFromWorker(port: number, body: string, connections: number, seconds: number): Promise<Load> {
  // A worker thread, not autocannon in this thread: a load generator sharing the server's event
  // loop would take turns with it and measure both at once.
  const code = `
    const { connect } = require('node:net');
    const { workerData, parentPort } = require('node:worker_threads');
    const { port, body, connections, seconds } = workerData;
    const request = Buffer.from('POST /invocations HTTP/1.1\\r\\nhost: 127.0.0.1\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body);
    const latencies = [];
    let non2xx = 0, open = connections;
    const start = performance.now();
    const until = start + seconds * 1000;
    for (let c = 0; c < connections; c++) {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      let buffered = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        if (performance.now() >= until) {
          socket.end();
          if (--open === 0) {
            const elapsed = (performance.now() - start) / 1000;
            latencies.sort((a, b) => a - b);
            const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
            parentPort.postMessage({ rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99), non2xx });
          }
          return;
        }
        sentAt = performance.now();
        socket.write(request);
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
          latencies.push(performance.now() - sentAt);
          if (head.slice(9, 10) !== '2') non2xx++;
          send();
        }
      });
    }`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { port, body, connections, seconds } });
    worker.once('message', (m: Load) => {
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
  });
}

async function floor(session: OrtSession, feed: Float32Array, shape: number[], concurrency: number, seconds: number): Promise<Load> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        await session.run({ input: new ort.Tensor('float32', feed, shape) });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  return { rps: latencies.length / ((performance.now() - start) / 1000), p50: q(0.5), p99: q(0.99), non2xx: 0 };
}

const fmt = (l: Load) =>
  `${l.rps.toFixed(0).padStart(7)} req/s  p50 ${l.p50.toFixed(2).padStart(6)} ms  p99 ${l.p99.toFixed(2).padStart(6)} ms${l.non2xx ? `  (${l.non2xx} non-2xx!)` : ''}`;

const root = mkdtempSync(join(tmpdir(), 'labbook-models-bench-'));
// Discovery finds the file store; http(s) is core's built-in REST plugin; onnx from source.
const plugins = new PluginRegistry();
plugins.register(restPlugin);
plugins.register(onnxPlugin);
const SECONDS = Number(process.env.LABBOOK_BENCH_SECONDS ?? 5);

try {
  // --- Serving throughput.
  const ROWS = 8;
  const widths = [256, 1024, 16];
  const mlpFile = join(root, 'mlp.onnx');
  writeFileSync(mlpFile, mlpModel(widths));
  const rows = Array.from({ length: ROWS }, (_, r) =>
    Array.from({ length: widths[0]! }, (_, c) => Math.round(Math.sin(r * 31 + c) * 1000) / 1000),
  );
  const flat = Float32Array.from(rows.flat());
  const sig = inferSignature({ input: tensor(flat, [ROWS, widths[0]!]) }, { output: tensor(new Float32Array(ROWS * 16), [ROWS, 16]) });
  const { saveModel } = await import('../../packages/core/src/index.js');
  // One intra-op thread, in the server and the floor alike: ORT's default pool spins on every core
  // between runs, starving the event loop that parses and answers requests on a small machine.
  await saveModel(join(root, 'mlp'), {
    flavor: 'onnx',
    model: mlpFile,
    signature: sig,
    plugins,
    flavorOptions: { sessionOptions: { intra_op_num_threads: 1 } },
  });
  // The server's types come from core's dist, this file's from its source: the same class.
  const server = await startScoringServer({ modelUri: join(root, 'mlp'), loadOptions: { plugins: plugins as never }, port: 0 });
  const port = Number(new URL(server.url).port);
  const body = JSON.stringify({ inputs: rows });
  const check = await fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (check.status !== 200) throw new Error(`warm-up /invocations answered ${check.status}: ${await check.text()}`);
  const session = await ort.InferenceSession.create(join(root, 'mlp', 'model.onnx'), { intraOpNumThreads: 1 });
  console.log(
    `MLP ${widths.join(' → ')} (${ROWS} rows a request, ${(Buffer.byteLength(body) / 1024).toFixed(1)} KiB JSON body), ${SECONDS} s each:`,
  );
  await floor(session, flat, [ROWS, widths[0]!], 1, 1); // warm-up
  const floor1 = await floor(session, flat, [ROWS, widths[0]!], 1, SECONDS);
  const floor16 = await floor(session, flat, [ROWS, widths[0]!], 16, SECONDS);
  await loadFromWorker(port, body, 4, 1); // warm-up
  const http1 = await loadFromWorker(port, body, 1, SECONDS);
  const http16 = await loadFromWorker(port, body, 16, SECONDS);
  console.log(`  floor session.run loop, 1 caller    ${fmt(floor1)}`);
  console.log(`  floor session.run, 16 concurrent    ${fmt(floor16)}`);
  console.log(`  POST /invocations,  1 client        ${fmt(http1)}   ${(http1.rps / floor1.rps).toFixed(2)}x the 1-caller floor`);
  console.log(
    `  POST /invocations, 16 clients       ${fmt(http16)}   ${(http16.rps / floor1.rps).toFixed(2)}x the 1-caller floor, ${(http16.rps / floor16.rps).toFixed(2)}x the 16-concurrent floor (goal >= 0.8x)`,
  );
  await session.release();
  await server.close();

  // The HTTP floor: what Fastify itself costs for this body over loopback, nothing parsed or run.
  const reply = await check.text();
  const Fastify = serverRequire('fastify') as (options: Record<string, unknown>) => {
    removeAllContentTypeParsers(): void;
    addContentTypeParser(
      type: string,
      options: { parseAs: 'string' },
      parser: (request: unknown, body: string, done: (error: null, body: string) => void) => void,
    ): void;
    post(path: string, handler: (request: unknown, reply: { type(t: string): { send(body: string): unknown } }) => unknown): void;
    listen(options: { host: string; port: number }): Promise<string>;
    close(): Promise<void>;
  };
  const httpFloor = Fastify({ logger: false, bodyLimit: 50 * 1024 * 1024 });
  httpFloor.removeAllContentTypeParsers();
  httpFloor.addContentTypeParser('*', { parseAs: 'string' }, (_request, text, done) => done(null, text));
  httpFloor.post('/invocations', (_request, res) => res.type('application/json').send(reply));
  const httpFloorPort = Number(new URL(await httpFloor.listen({ host: '127.0.0.1', port: 0 })).port);
  await loadFromWorker(httpFloorPort, body, 4, 1); // warm-up
  const httpFloor1 = await loadFromWorker(httpFloorPort, body, 1, SECONDS);
  const httpFloor16 = await loadFromWorker(httpFloorPort, body, 16, SECONDS);
  await httpFloor.close();
  console.log(`  HTTP floor (do-nothing route),  1 client  ${fmt(httpFloor1)}`);
  console.log(`  HTTP floor (do-nothing route), 16 clients ${fmt(httpFloor16)}`);
  const floorMin = Math.min(floor16.rps, httpFloor16.rps);
  const serial = 1 / (1 / floor16.rps + 1 / httpFloor16.rps);
  console.log(
    `  at 16 clients: ${(http16.rps / floor16.rps).toFixed(2)}x the model floor, ${(http16.rps / httpFloor16.rps).toFixed(2)}x the HTTP floor, ` +
      `${(http16.rps / floorMin).toFixed(2)}x min(model, HTTP) = ${floorMin.toFixed(0)} req/s (goal >= 0.8x); ${(http16.rps / serial).toFixed(2)}x the serial bound 1/(1/model + 1/HTTP) = ${serial.toFixed(0)} req/s`,
  );

  // --- The same server in 2 worker processes (`labbook models serve --workers 2`): the model
  // floor is one thread, so this is the figure that grows with the machine's cores.
  // The workers discover the onnx flavor as an app that depends on it would.
  const app = join(root, 'app');
  mkdirSync(app);
  makeOnnxApp(app, 'bench-app');
  const pool = await startScoringWorkers({ modelUri: join(root, 'mlp'), workers: 2, port: 0, cwd: app });
  const poolPort = Number(new URL(pool.url).port);
  await loadFromWorker(poolPort, body, 4, 1); // warm-up
  const pool16 = await loadFromWorker(poolPort, body, 16, SECONDS);
  await pool.close();
  console.log(
    `  POST /invocations, 16 clients, 2 worker processes ${fmt(pool16)}   ${(pool16.rps / floor16.rps).toFixed(2)}x the model floor (goal >= 0.8x), ${(pool16.rps / http16.rps).toFixed(2)}x one process`,
  );

  // --- Load by alias from a cold cache, ~10 MB model.
  const bigFile = join(root, 'big.onnx');
  writeFileSync(bigFile, mlpModel([1600, 1600]));
  const tracking = await startServer({
    backendStoreUri: join(root, 'server-mlruns'),
    artifactsDestination: join(root, 'server-artifacts'),
    port: 0,
    uiDir: '',
  });
  for (const [label, uri] of [
    ['local tracking server (artifact proxy, downloaded to the cache)', tracking.url],
    ['file store (read in place)', join(root, 'file-mlruns')],
  ] as const) {
    const client = new Client({ trackingUri: uri, plugins });
    const exp = await client.createExperiment(`bench-${Date.now()}`);
    const run = await client.createRun(exp);
    const info = await client.logModel(run.info.runId, bigFile, { flavor: 'onnx', registeredModelName: 'big' });
    await client.setRegisteredModelAlias('big', 'champion', info.registeredModelVersion!.version);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const cacheDir = mkdtempSync(join(root, 'cache-'));
      const fresh = new Client({ trackingUri: uri, plugins });
      const t0 = performance.now();
      const model = await loadModel('models:/big@champion', { client: fresh, cacheDir });
      times.push(performance.now() - t0);
      await model.close();
      await fresh.close();
    }
    const size = Number(info.mlmodel.model_size_bytes ?? 0);
    console.log(
      `load models:/big@champion (${(size / 1e6).toFixed(1)} MB) from a cold cache via ${label}: ${times.map((t) => `${t.toFixed(0)} ms`).join(', ')} (goal < 1000 ms)`,
    );
    await client.close();
  }
  await tracking.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
