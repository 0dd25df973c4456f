// The scoring server as MLflow clients and load balancers use `mlflow models serve`: each input
// format, the error shape and status codes, limits, and that bad input never stops it answering.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LabbookModel, loadModel, saveModel } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvRows } from '../src/scoring/csv.js';
import { type RunningScoringServer, startScoringServer, startScoringWorkers } from '../src/scoring/index.js';
import { raw } from './raw-http.js';

const dir = mkdtempSync(join(tmpdir(), 'labbook-scoring-'));
const servers: RunningScoringServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

// Column model: y = 2x + b (b a param); echo tells tests what predict received.
const COLUMN_MODULE = `
export function predict(input, params) {
  if (input.data.x.includes(13)) throw new Error('kaboom');
  const xs = input.data.x;
  return { kind: 'frame', columns: ['y'], data: { y: xs.map((x) => 2 * x + (params.b ?? 0)) }, length: xs.length };
}`;
// Tensor model: returns its input tensor doubled.
const TENSOR_MODULE = `
export async function predict(input, params) {
  if (params.sleep) await new Promise((r) => setTimeout(r, params.sleep));
  const t = input.input;
  return { output: { kind: 'tensor', dtype: t.dtype, shape: t.shape, data: Float32Array.from(t.data, (v) => v * 2) } };
}`;
const ECHO_MODULE = `export function predict(input, params) { return { input, params }; }`;

async function model(name: string, source: string, options: Record<string, unknown>): Promise<LabbookModel> {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, source);
  await saveModel(join(dir, name), { flavor: 'js_function', model: file, ...options });
  return loadModel(join(dir, name));
}

let columns: RunningScoringServer;
let tensors: RunningScoringServer;
let echo: RunningScoringServer;

beforeAll(async () => {
  const col = await model('columns', COLUMN_MODULE, {
    signature: {
      inputs: [{ kind: 'column', name: 'x', type: 'double', required: true }],
      outputs: [{ kind: 'column', name: 'y', type: 'double', required: true }],
      params: [{ name: 'b', type: 'double', default: 0, shape: null }],
    },
    inputExample: [{ x: 1.5 }],
  });
  const ten = await model('tensors', TENSOR_MODULE, {
    signature: {
      inputs: [{ kind: 'tensor', name: 'input', dtype: 'float32', shape: [-1, 2] }],
      params: [{ name: 'sleep', type: 'long', default: 0, shape: null }],
    },
  });
  const ech = await model('echo', ECHO_MODULE, { signature: false });
  columns = await startScoringServer({ model: col, port: 0 });
  tensors = await startScoringServer({ model: ten, port: 0, timeoutSeconds: 0.3, bodyLimit: 1024 * 1024 });
  echo = await startScoringServer({ model: ech, port: 0 });
  servers.push(columns, tensors, echo);
});

async function invoke(server: RunningScoringServer, body: string, contentType = 'application/json') {
  const r = await fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await r.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: r.status, json, text, type: r.headers.get('content-type') };
}

const post = (server: RunningScoringServer, body: unknown) => invoke(server, JSON.stringify(body));

describe('scoring server routes', () => {
  it('answers /ping and /health 200 with a newline, /version with the version', async () => {
    for (const path of ['/ping', '/health']) {
      const r = await fetch(`${columns.url}${path}`);
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('\n');
    }
    const v = await fetch(`${columns.url}/version`);
    expect(v.status).toBe(200);
    expect(await v.text()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('scores every JSON input format and CSV into {"predictions": …}', async () => {
    expect((await post(columns, { dataframe_split: { columns: ['x'], data: [[1], [2]] } })).json).toEqual({
      predictions: [{ y: 2 }, { y: 4 }],
    });
    expect((await post(columns, { dataframe_split: { columns: ['x'], data: [[1]], index: [7] } })).json).toEqual({
      predictions: [{ y: 2 }],
    });
    expect((await post(columns, { dataframe_records: [{ x: 1 }, { x: 3 }] })).json).toEqual({ predictions: [{ y: 2 }, { y: 6 }] });
    expect((await post(columns, { instances: [{ x: 1 }, { x: 3 }] })).json).toEqual({ predictions: [{ y: 2 }, { y: 6 }] });
    expect((await post(columns, { inputs: { x: [1, 2] } })).json).toEqual({ predictions: [{ y: 2 }, { y: 4 }] });
    expect((await post(columns, { dataframe_records: [{ x: 1 }], params: { b: 10 } })).json).toEqual({ predictions: [{ y: 12 }] });
    const csv = await invoke(columns, 'x\r\n1\r\n2.5\r\n', 'text/csv; charset=utf-8');
    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/application\/json/);
    expect(csv.json).toEqual({ predictions: [{ y: 2 }, { y: 5 }] });
    // A single-name tensor schema binds a bare `inputs` list to that name; instances too.
    expect((await post(tensors, { inputs: [[1, 2]] })).json).toEqual({ predictions: { output: [[2, 4]] } });
    expect(
      (
        await post(tensors, {
          inputs: {
            input: [
              [1, 2],
              [3, 4],
            ],
          },
        })
      ).json,
    ).toEqual({
      predictions: {
        output: [
          [2, 4],
          [6, 8],
        ],
      },
    });
    expect((await post(tensors, { instances: [{ input: [1, 2] }, { input: [3, 4] }] })).json).toEqual({
      predictions: {
        output: [
          [2, 4],
          [6, 8],
        ],
      },
    });
  });

  it('passes input through unwrapped when the model has no signature', async () => {
    expect((await post(echo, { inputs: [1, 2, 3] })).json).toEqual({ predictions: { input: [1, 2, 3], params: {} } });
    expect((await post(echo, { instances: [{ a: 1 }, { a: 2 }] })).json).toEqual({ predictions: { input: { a: [1, 2] }, params: {} } });
    expect((await post(echo, { inputs: { a: 'x' } })).json).toEqual({ predictions: { input: { a: 'x' }, params: {} } });
  });
});

describe('scoring server errors', () => {
  const expectError = (
    r: { status: number; json: Record<string, unknown> | undefined },
    status: number,
    code: string,
    message?: RegExp,
  ) => {
    expect(r.status).toBe(status);
    expect(r.json?.error_code).toBe(code);
    expect(typeof r.json?.message).toBe('string');
    expect(r.json).not.toHaveProperty('stack_trace');
    if (message) expect(r.json?.message).toMatch(message);
  };

  it('refuses bodies without exactly one input field, and lists, with BAD_REQUEST', async () => {
    expectError(
      await post(columns, { data: [[1]] }),
      400,
      'BAD_REQUEST',
      /exactly one of the input fields.*Received dictionary with input fields: \['data'\].*2\.0/,
    );
    expectError(await post(columns, { inputs: [1], instances: [1] }), 400, 'BAD_REQUEST', /exactly one/);
    expectError(await post(columns, [{ x: 1 }]), 400, 'BAD_REQUEST', /JSON dictionary/);
    expectError(await post(columns, { dataframe_split: { columns: ['x'], data: [[1]], orient: 'split' } }), 400, 'BAD_REQUEST', /orient/);
    expectError(await post(columns, { dataframe_split: { columns: ['x'], data: [[1, 2]] } }), 400, 'BAD_REQUEST');
    expectError(await post(columns, { dataframe_records: 5 }), 400, 'BAD_REQUEST');
    expectError(await post(columns, { instances: [{ x: 1 }, { y: 2 }] }), 400, 'BAD_REQUEST', /same fields/);
    expectError(await post(columns, { dataframe_records: [{ x: 1 }], params: [1] }), 400, 'BAD_REQUEST', /params/);
  });

  it('answers malformed JSON, non-CSV and too-deep JSON with BAD_REQUEST', async () => {
    expectError(await invoke(columns, '{"inputs": [1, 2'), 400, 'BAD_REQUEST', /Failed to parse input from JSON/);
    expectError(await invoke(columns, ''), 400, 'BAD_REQUEST');
    expectError(await invoke(columns, 'x,y\n1,2,3\n', 'text/csv'), 400, 'BAD_REQUEST', /CSV/);
    expectError(await invoke(columns, 'x\n"unterminated\n', 'text/csv'), 400, 'BAD_REQUEST', /CSV/);
    expectError(await invoke(columns, '\u0000\u0001binary', 'text/csv'), 400, 'BAD_REQUEST', /CSV/);
    expectError(await invoke(columns, '', 'text/csv'), 400, 'BAD_REQUEST', /CSV/);
    expectError(await invoke(columns, `{"inputs": ${'['.repeat(10000)}${']'.repeat(10000)}}`), 400, 'BAD_REQUEST', /deeper/);
  });

  it('answers other content types 415', async () => {
    for (const type of [
      'text/plain',
      'application/json; format=pandas-split',
      'application/json; charset=latin-1',
      'application/x-www-form-urlencoded',
    ]) {
      expectError(await invoke(columns, '{"inputs": [1]}', type), 415, 'BAD_REQUEST', /only supports the following content types/);
    }
    const none = await raw(columns.url, 'POST', '/invocations', { body: '{"inputs": [1]}' });
    expect(none.status).toBe(415);
  });

  it('answers signature violations and params errors INVALID_PARAMETER_VALUE 400', async () => {
    expectError(
      await post(columns, { dataframe_records: [{ z: 1 }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      /Failed to enforce schema.*missing inputs/,
    );
    expectError(await post(columns, { dataframe_records: [{ x: 'text' }] }), 400, 'INVALID_PARAMETER_VALUE', /Failed to enforce schema/);
    expectError(await post(tensors, { inputs: [[1, 2, 3]] }), 400, 'INVALID_PARAMETER_VALUE', /[Ss]hape/);
    expectError(await post(tensors, { inputs: [['a', 'b']] }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await post(columns, { dataframe_records: [{ x: 1 }], params: { b: 'not a number' } }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('answers a model that throws BAD_REQUEST, MLflow-worded, and keeps serving', async () => {
    const failing = await post(columns, { dataframe_split: { columns: ['x'], data: [[13]] } });
    expectError(failing, 400, 'BAD_REQUEST', /unexpected error while evaluating the model.*kaboom/);
    expect((await post(columns, { dataframe_records: [{ x: 1 }] })).status).toBe(200);
  });

  it('answers 504 DEADLINE_EXCEEDED past the request timeout, then serves the next request', async () => {
    expectError(await post(tensors, { inputs: [[1, 2]], params: { sleep: 1000 } }), 504, 'DEADLINE_EXCEEDED', /exceeded limit/);
    expect((await post(tensors, { inputs: [[1, 2]] })).status).toBe(200);
  });

  it('answers unknown routes ENDPOINT_NOT_FOUND 404', async () => {
    const r = await fetch(`${columns.url}/predict`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error_code: string }).error_code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('refuses a body over the limit with 413 before reading it, declared or chunked, and keeps answering', async () => {
    // Declared: refused from the Content-Length; 100 MB is never sent whole.
    const declared = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${tensors.url}/invocations`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(100 * 1024 * 1024) } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(64 * 1024, 32));
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error_code).toBe('RESOURCE_EXHAUSTED');
    // Chunked: counted while it streams.
    const chunk = Buffer.alloc(256 * 1024, 32);
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (sent >= 8) controller.close();
        else {
          sent++;
          controller.enqueue(chunk);
        }
      },
    });
    const chunked = await fetch(`${tensors.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit).catch(() => undefined);
    if (chunked) expect(chunked.status).toBe(413);
    expect((await fetch(`${tensors.url}/ping`)).status).toBe(200);
    expect((await post(tensors, { inputs: [[1, 2]] })).status).toBe(200);
  });

  it('keeps answering after a burst of bad requests mixed with good ones', async () => {
    const bodies = ['{', '[]', '{"inputs": 1}', 'null', '{"dataframe_split": 1}', '"x"', '{"inputs": [[1, 2]]}'];
    const results = await Promise.all(Array.from({ length: 70 }, (_, i) => invoke(tensors, bodies[i % bodies.length]!)));
    for (const [i, r] of results.entries())
      expect(r.status, bodies[i % bodies.length]).toBe(i % bodies.length === bodies.length - 1 ? 200 : 400);
  });
});

// Batch model: doubles its rows, throws on a 13, and reports how many rows the call it ran in had.
const BATCH_MODULE = `
export function predict(input) {
  const t = input.input;
  if (t.data.includes(13)) throw new Error('kaboom');
  const rows = t.shape[0];
  return {
    output: { kind: 'tensor', dtype: 'float32', shape: t.shape, data: Float32Array.from(t.data, (v) => v * 2) },
    rows: { kind: 'tensor', dtype: 'float32', shape: [rows, 1], data: new Float32Array(rows).fill(rows) },
  };
}`;

describe('scoring server micro-batching', () => {
  const batchSignature = { inputs: [{ kind: 'tensor', name: 'input', dtype: 'float32', shape: [-1, 2] }] };

  it('stacks waiting requests into one predict and gives each its own rows', async () => {
    const m = await model('batch', BATCH_MODULE, { signature: batchSignature });
    const { PredictBatcher } = await import('../src/scoring/batching.js');
    const batcher = new PredictBatcher(m, (t) => ({ input: t }));
    const requests = [
      [[1, 2]],
      [
        [3, 4],
        [5, 6],
      ],
      [[7, 8]],
    ].map((rows) => ({
      kind: 'tensor' as const,
      dtype: 'float32' as const,
      shape: [rows.length, 2],
      data: Float32Array.from(rows.flat()),
    }));
    // Queued in the same turn, so one flush runs them as a single 4-row call.
    const outputs = (await Promise.all(requests.map((t) => batcher.predict(t)))) as Record<
      string,
      { shape: number[]; data: Float32Array }
    >[];
    expect(outputs.map((o) => Array.from(o.output!.data))).toEqual([
      [2, 4],
      [6, 8, 10, 12],
      [14, 16],
    ]);
    expect(outputs.map((o) => o.output!.shape)).toEqual([
      [1, 2],
      [2, 2],
      [1, 2],
    ]);
    expect(outputs.map((o) => Array.from(o.rows!.data))).toEqual([[4], [4, 4], [4]]);
  });

  it('keeps errors per request: a bad request in a batch fails alone, over HTTP too', async () => {
    const m = await model('batch-http', BATCH_MODULE, { signature: batchSignature });
    const server = await startScoringServer({ model: m, port: 0 });
    servers.push(server);
    const bodies = Array.from({ length: 24 }, (_, i) => ({ inputs: [[i, i + 0.5]] }));
    const results = await Promise.all(bodies.map((b) => post(server, b)));
    for (const [i, r] of results.entries()) {
      if (i === 13) {
        expect(r.status).toBe(400);
        expect(r.json).toMatchObject({ error_code: 'BAD_REQUEST' });
        expect(String(r.json?.message)).toContain('kaboom');
      } else {
        expect(r.status, `request ${i}`).toBe(200);
        expect((r.json!.predictions as { output: number[][] }).output).toEqual([[2 * i, 2 * i + 1]]);
      }
    }
    // Requests with params, or that do not fit the signature, are never stacked and keep their errors.
    expect((await post(server, { inputs: [[1, 2, 3]] })).status).toBe(400);
    expect((await post(server, { inputs: [[1, 2]], params: {} })).json).toMatchObject({ predictions: { output: [[2, 4]] } });
  });
});

describe('scoring server guard and lifecycle', () => {
  it('refuses a foreign Host on loopback and cross-origin POSTs (the tracking server guard)', async () => {
    const host = await raw(columns.url, 'POST', '/invocations', {
      headers: { host: 'evil.example', 'content-type': 'application/json' },
      body: '{"inputs": {"x": [1]}}',
    });
    expect(host.status).toBe(403);
    const origin = await raw(columns.url, 'POST', '/invocations', {
      headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      body: '{"inputs": {"x": [1]}}',
    });
    expect(origin.status).toBe(403);
    expect(JSON.parse(origin.body).error_code).toBe('PERMISSION_DENIED');
  });

  it('loads by URI, lets a request in flight finish on close, then refuses connections', async () => {
    const server = await startScoringServer({ modelUri: join(dir, 'tensors'), port: 0 });
    const inFlight = post(server, { inputs: [[1, 2]], params: { sleep: 200 } });
    await new Promise((r) => setTimeout(r, 50));
    const closed = server.close();
    expect((await inFlight).json).toEqual({ predictions: { output: [[2, 4]] } });
    await closed;
    await expect(fetch(`${server.url}/ping`)).rejects.toThrow();
  });

  it('refuses to start without a model and with a bad timeout', async () => {
    await expect(startScoringServer({})).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(startScoringServer({ modelUri: join(dir, 'columns'), timeoutSeconds: -1, port: 0 })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
    for (const workers of [0, 1.5, 65])
      await expect(startScoringWorkers({ modelUri: join(dir, 'columns'), workers, port: 0 })).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
        message: expect.stringContaining('from 1 to 64'),
      });
  });
});

describe('CSV reader', () => {
  it('reads quoted fields, doubled quotes and CRLF, and refuses what is not CSV', () => {
    expect(parseCsvRows('a,b\r\n"x, y","say ""hi"""\n\n1,\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['1', ''],
    ]);
    expect(() => parseCsvRows('a\n"x"y\n')).toThrow(/closing quote/);
    expect(() => parseCsvRows('a\nx"y\n')).toThrow(/quote inside/);
  });
});
