/**
 * The attack suite: traversal in every form MLflow's CVEs used (§11 of mlflow-compat.md), on every
 * route that takes a path or a location, symlink escapes, model version sources pointing outside a
 * run, and oversized or malformed bodies. Each attack must be refused with a 4xx and leave the files
 * outside the artifact root untouched.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileServer } from './helpers.js';
import { getJson, postJson, raw } from './raw-http.js';

let server: Awaited<ReturnType<typeof fileServer>>;
let runId: string;
let secret: string;
const SECRET = 'top secret, outside every artifact root';
const PROXY_UPLOAD_LIMIT = 3 * 1024 * 1024;

// Each payload tries to reach `<root>/secret.txt` from inside `<root>/mlartifacts/...`.
const TRAVERSALS = [
  '../../../secret.txt',
  '..%2f..%2f..%2fsecret.txt',
  '%2e%2e/%2e%2e/%2e%2e/secret.txt',
  '%252e%252e%252f%252e%252e%252f%252e%252e%252fsecret.txt',
  '%25252e%25252e%25252fsecret.txt',
  '..%5c..%5c..%5csecret.txt',
  'a/..\\..\\..\\secret.txt',
  'a%23/../../../secret.txt',
  'a%3b/../../../secret.txt',
  '%2fetc%2fpasswd',
  '/etc/passwd',
  '//etc/passwd',
  'C:%5cWindows%5cwin.ini',
  '~/secret.txt',
  'a%00.txt',
  'a%0a.txt',
];

function expectRefused(r: { status: number; body: string }, what: string, status?: number): void {
  if (status !== undefined) expect(r.status, `${what}: ${r.body}`).toBe(status);
  expect(r.status, what).toBeGreaterThanOrEqual(400);
  expect(r.status, what).toBeLessThan(500);
  expect(r.body, what).not.toContain(SECRET);
  expect(r.body, what).not.toContain('root:x:0:0');
  // No stack trace reaches a client.
  expect(r.body, what).not.toMatch(/\n\s+at |node_modules/);
}

beforeAll(async () => {
  server = await fileServer({ bodyLimit: 2 * 1024 * 1024, maxArtifactUploadBytes: PROXY_UPLOAD_LIMIT });
  secret = join(server.root, 'secret.txt');
  writeFileSync(secret, SECRET);
  const exp = await postJson(server.url, '/api/2.0/mlflow/experiments/create', { name: 'attacks' });
  const run = await postJson(server.url, '/api/2.0/mlflow/runs/create', { experiment_id: exp.json.experiment_id });
  runId = (run.json.run as { info: { run_id: string } }).info.run_id;
  const put = await raw(server.url, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${exp.json.experiment_id}/${runId}/artifacts/ok.txt`, {
    body: 'fine',
  });
  expect(put.status).toBe(200);
});
afterAll(() => server.close());

describe('path traversal', () => {
  it.each(TRAVERSALS)('artifact proxy GET, PUT, DELETE and list refuse %s', async (p) => {
    expectRefused(await raw(server.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts/${p}`), `GET ${p}`, 400);
    expectRefused(await raw(server.url, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${p}`, { body: 'pwned' }), `PUT ${p}`, 400);
    expectRefused(await raw(server.url, 'DELETE', `/api/2.0/mlflow-artifacts/artifacts/${p}`), `DELETE ${p}`, 400);
    expectRefused(await raw(server.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${p}`), `list ${p}`, 400);
    expect(readFileSync(secret, 'utf8')).toBe(SECRET);
  });

  it.each(TRAVERSALS)('run artifact routes refuse %s', async (p) => {
    expectRefused(await raw(server.url, 'GET', `/get-artifact?run_id=${runId}&path=${p}`), `get-artifact ${p}`, 400);
    expectRefused(
      await raw(server.url, 'GET', `/ajax-api/2.0/mlflow/artifacts/list?run_id=${runId}&path=${p}`),
      `artifacts/list ${p}`,
      400,
    );
    expectRefused(
      await raw(server.url, 'POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=${p}`, { body: 'pwned' }),
      `upload-artifact ${p}`,
    );
    expect(readFileSync(secret, 'utf8')).toBe(SECRET);
  });

  it('no file was written outside the artifact root by any of them', () => {
    for (const name of ['pwned', 'a', 'secret.txt.tmp']) expect(existsSync(join(server.root, name))).toBe(false);
    expect(existsSync('/etc/passwd.labbook')).toBe(false);
  });

  it('a symlink inside the artifact root that points outside is not followed', async () => {
    const dir = join(server.root, 'mlartifacts', 'links');
    mkdirSync(dir, { recursive: true });
    symlinkSync(secret, join(dir, 'leak.txt'));
    symlinkSync(server.root, join(dir, 'up'));
    expectRefused(await raw(server.url, 'GET', '/api/2.0/mlflow-artifacts/artifacts/links/leak.txt'), 'symlinked file');
    expectRefused(await raw(server.url, 'GET', '/api/2.0/mlflow-artifacts/artifacts/links/up/secret.txt'), 'symlinked folder');
    const put = await raw(server.url, 'PUT', '/api/2.0/mlflow-artifacts/artifacts/links/up/secret.txt', { body: 'overwritten' });
    expectRefused(put, 'write through a symlinked folder');
    expect(readFileSync(secret, 'utf8')).toBe(SECRET);
  });
});

describe('client-chosen locations', () => {
  it.each([
    '/etc',
    'file:///etc',
    '../outside',
    'mlartifacts/../../outside',
    's3://bucket/a#/../../x',
    's3://bucket/a;/../x',
    's3://bucket/a/%2e%2e/%2e%2e/x',
    'file:///tmp/x?y=..',
  ])('experiment artifact_location %s is refused', async (location) => {
    const r = await postJson(server.url, '/api/2.0/mlflow/experiments/create', {
      name: `loc-${Math.random()}`,
      artifact_location: location,
    });
    expect(r.status).toBe(400);
    expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('a proxied artifact location is accepted', async () => {
    const r = await postJson(server.url, '/api/2.0/mlflow/experiments/create', {
      name: 'proxied-loc',
      artifact_location: 'mlflow-artifacts:/teams/a',
    });
    expect(r.status).toBe(200);
  });

  it.each([
    ['/etc', true],
    ['file:///etc/passwd', true],
    ['/etc/passwd', false],
    ['file:///etc', false],
    ['s3://bucket/model/../../other', false],
    ['s3://bucket/model/%2e%2e/%2e%2e/other', false],
    ['s3://bucket/model/%252e%252e/other', false],
    ['mlflow-artifacts:/1/../../../etc', false],
    ['http://host/api/2.0/mlflow-artifacts/artifacts/a/../../b', false],
    ['file:///x/..%5c..%5cetc', false],
  ])('model version source %s (with run id: %s) is refused', async (source, withRun) => {
    await postJson(server.url, '/api/2.0/mlflow/registered-models/create', { name: 'm' });
    const r = await postJson(server.url, '/api/2.0/mlflow/model-versions/create', {
      name: 'm',
      source,
      ...(withRun ? { run_id: runId } : {}),
    });
    expect(r.status, source).toBe(400);
    expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(String(r.json.message)).toContain('Invalid model version source');
  });

  it('model versions from inside the run are accepted and their files readable', async () => {
    const run = await getJson(server.url, `/api/2.0/mlflow/runs/get?run_id=${runId}`);
    const artifactUri = (run.json.run as { info: { artifact_uri: string } }).info.artifact_uri;
    await postJson(server.url, '/api/2.0/mlflow/registered-models/create', { name: 'good' });
    const v = await postJson(server.url, '/api/2.0/mlflow/model-versions/create', { name: 'good', source: artifactUri, run_id: runId });
    expect(v.status).toBe(200);
    const file = await raw(server.url, 'GET', '/model-versions/get-artifact?name=good&version=1&path=ok.txt');
    expect(file.status).toBe(200);
    expect(file.body).toBe('fine');
    for (const p of TRAVERSALS)
      expectRefused(await raw(server.url, 'GET', `/model-versions/get-artifact?name=good&version=1&path=${p}`), p);
  });
});

describe('oversized and malformed bodies', () => {
  it('log-batch over 1,000,000 bytes is refused by its declared length and when chunked', async () => {
    const big = JSON.stringify({ run_id: runId, params: [{ key: 'k', value: 'x'.repeat(1_000_001) }] });
    const declared = await raw(server.url, 'POST', '/api/2.0/mlflow/runs/log-batch', {
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error_code).toBe('RESOURCE_EXHAUSTED');
    const chunked = await raw(server.url, 'POST', '/api/2.0/mlflow/runs/log-batch', {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: big,
    });
    expect(chunked.status).toBe(413);
  });

  it('any JSON body over the server limit is refused with 413', async () => {
    const r = await postJson(server.url, '/api/2.0/mlflow/experiments/create', { name: 'x'.repeat(3 * 1024 * 1024) });
    expect(r.status).toBe(413);
    expect(r.json.error_code).toBe('RESOURCE_EXHAUSTED');
  });

  it('upload-artifact over 10 MB is refused and leaves no file', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024 + 1, 97);
    const declared = await raw(server.url, 'POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=big.bin`, {
      headers: { 'content-length': String(body.length) },
      body,
    }).catch(() => undefined);
    // The server may close the socket before the whole body is sent; the answer is what counts when it arrives.
    if (declared === undefined) return expect.fail('no answer to an oversized upload');
    // MLflow's own answer to a declared length over 10 MB.
    expect(declared.status).toBe(400);
    expect(JSON.parse(declared.body)).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Artifact size is too large. Max size is 10MB.',
    });
    const chunked = await raw(server.url, 'POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=big.bin`, {
      headers: { 'transfer-encoding': 'chunked' },
      body,
    });
    expect(chunked.status).toBe(413);
    const list = await getJson(server.url, `/ajax-api/2.0/mlflow/artifacts/list?run_id=${runId}`);
    expect(JSON.stringify(list.json)).not.toContain('big.bin');
  });

  it('too many items, too long keys and bad values name the field and the limit', async () => {
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: `m${i}`, value: 1, timestamp: 1 }));
    const many = await postJson(server.url, '/api/2.0/mlflow/runs/log-batch', { run_id: runId, metrics });
    expect(many.status).toBe(400);
    expect(String(many.json.message)).toMatch(/1000/);
    const long = await postJson(server.url, '/api/2.0/mlflow/runs/log-parameter', { run_id: runId, key: 'k'.repeat(300), value: 'v' });
    expect(long.status).toBe(400);
    expect(String(long.json.message)).toMatch(/250/);
    const value = await postJson(server.url, '/api/2.0/mlflow/runs/log-metric', { run_id: runId, key: 'k', value: { a: 1 }, timestamp: 1 });
    expect(value.status).toBe(400);
    const type = await postJson(server.url, '/api/2.0/mlflow/runs/search', { experiment_ids: [{ x: 1 }] });
    expect(type.status).toBe(400);
  });

  it('malformed JSON, prototype pollution and wrong content types are refused without a trace', async () => {
    const cases: { headers: Record<string, string>; body: string }[] = [
      { headers: { 'content-type': 'application/json' }, body: '{"name": ' },
      { headers: { 'content-type': 'application/json' }, body: '{"__proto__": {"polluted": true}, "name": "p"}' },
      { headers: { 'content-type': 'application/json' }, body: '[1,2]' },
      { headers: { 'content-type': 'text/plain' }, body: '{"name":"t"}' },
      { headers: {}, body: '{"name":"t"}' },
    ];
    for (const c of cases) {
      const r = await raw(server.url, 'POST', '/api/2.0/mlflow/experiments/create', c);
      expectRefused(r, c.body);
      expect(JSON.parse(r.body).error_code).toMatch(/^(MALFORMED_REQUEST|INVALID_PARAMETER_VALUE|BAD_REQUEST)$/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('forged Host headers and cross-origin writes are refused (DNS rebinding)', async () => {
    expect((await raw(server.url, 'GET', '/api/2.0/mlflow/experiments/search', { headers: { host: 'evil.example:5000' } })).status).toBe(
      403,
    );
    const xo = await raw(server.url, 'POST', '/api/2.0/mlflow/experiments/create', {
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: '{"name":"xo"}',
    });
    expect(xo.status).toBe(403);
    expect((await raw(server.url, 'GET', '/health', { headers: { host: 'evil.example' } })).status).toBe(200);
  });

  it('artifact proxy uploads over maxArtifactUploadBytes are refused by declared length and when chunked, leaving no file', async () => {
    const path = '/api/2.0/mlflow-artifacts/artifacts/limits/big.bin';
    const body = Buffer.alloc(PROXY_UPLOAD_LIMIT + 1, 97);
    const declared = await raw(server.url, 'PUT', path, { body });
    expect(declared.status).toBe(413);
    const refusal = JSON.parse(declared.body) as { error_code: string; message: string };
    expect(refusal.error_code).toBe('RESOURCE_EXHAUSTED');
    expect(refusal.message).toContain(String(PROXY_UPLOAD_LIMIT));
    expect(refusal.message).toContain('maxArtifactUploadBytes');
    const chunked = await raw(server.url, 'PUT', path, { headers: { 'transfer-encoding': 'chunked' }, body });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).message).toContain('maxArtifactUploadBytes');
    const folder = join(server.root, 'mlartifacts', 'limits');
    // Neither the file nor a temporary part of it is left behind.
    expect(existsSync(folder) ? readdirSync(folder) : []).toEqual([]);
    const atLimit = await raw(server.url, 'PUT', path, {
      headers: { 'transfer-encoding': 'chunked' },
      body: body.subarray(0, PROXY_UPLOAD_LIMIT),
    });
    expect(atLimit.status).toBe(200);
    expect(readdirSync(folder)).toEqual(['big.bin']);
  });

  it("only the server's own origin, not another loopback port, may change state", async () => {
    const own = new URL(server.url).origin;
    const create = (origin: string) =>
      raw(server.url, 'POST', '/api/2.0/mlflow/experiments/create', {
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ name: `origin-${Math.random()}` }),
      });
    expect((await create(own)).status).toBe(200);
    for (const origin of [
      'http://127.0.0.1:9999',
      'http://localhost:9999',
      `https://${new URL(own).host}`,
      'http://[::1]:9999',
      'null',
      'not a url',
    ]) {
      const r = await create(origin);
      expect(r.status, origin).toBe(403);
      expect(JSON.parse(r.body).error_code).toBe('PERMISSION_DENIED');
      expect(JSON.parse(r.body).message).toContain('allowedOrigins');
    }
    // Another loopback port may still read, and clients that send no Origin (curl, SDKs) may write.
    expect(
      (await raw(server.url, 'GET', '/api/2.0/mlflow/experiments/search?max_results=1', { headers: { origin: 'http://127.0.0.1:9999' } }))
        .status,
    ).toBe(200);
    expect((await postJson(server.url, '/api/2.0/mlflow/experiments/create', { name: 'no-origin' })).status).toBe(200);
  });

  it('origins in allowedOrigins may change state, without CORS headers', async () => {
    const s = await fileServer({ allowedOrigins: ['http://127.0.0.1:9999/', 'https://Labbook.Example'] });
    try {
      for (const origin of ['http://127.0.0.1:9999', 'https://labbook.example']) {
        const r = await raw(s.url, 'POST', '/api/2.0/mlflow/experiments/create', {
          headers: { 'content-type': 'application/json', origin },
          body: JSON.stringify({ name: origin }),
        });
        expect(r.status, origin).toBe(200);
        expect(r.headers['access-control-allow-origin']).toBeUndefined();
      }
      const other = await raw(s.url, 'POST', '/api/2.0/mlflow/experiments/create', {
        headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:9998' },
        body: '{"name":"other"}',
      });
      expect(other.status).toBe(403);
    } finally {
      await s.close();
    }
  });

  it('the upload limit is read from LABBOOK_SERVER_MAX_ARTIFACT_UPLOAD_BYTES, and a bad value stops the server from starting', async () => {
    const name = 'LABBOOK_SERVER_MAX_ARTIFACT_UPLOAD_BYTES';
    try {
      process.env[name] = '10';
      const s = await fileServer();
      try {
        expect((await raw(s.url, 'PUT', '/api/2.0/mlflow-artifacts/artifacts/small.txt', { body: '0123456789' })).status).toBe(200);
        expect((await raw(s.url, 'PUT', '/api/2.0/mlflow-artifacts/artifacts/small.txt', { body: '0123456789a' })).status).toBe(413);
      } finally {
        await s.close();
      }
      process.env[name] = 'lots';
      await expect(fileServer()).rejects.toThrow(/LABBOOK_SERVER_MAX_ARTIFACT_UPLOAD_BYTES=lots is not a byte count/);
    } finally {
      delete process.env[name];
    }
  });
});

describe('input-sized work is bounded', () => {
  it('adversarial LIKE/ILIKE patterns on values at MLflow’s maximum lengths answer at once and never stall the server', async () => {
    // Each of these froze the event loop for 4 s to over 20 s when LIKE was a backtracking RegExp.
    const longTag = 'a'.repeat(8000);
    const long = await postJson(server.url, '/api/2.0/mlflow/runs/set-tag', { run_id: runId, key: 't', value: longTag });
    expect(long.status).toBe(200);
    const name = 'a'.repeat(500);
    expect((await postJson(server.url, '/api/2.0/mlflow/experiments/create', { name })).status).toBe(200);
    const exp = (await getJson(server.url, `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${name}`)).json.experiment as {
      experiment_id: string;
    };
    const searches = [
      postJson(server.url, '/api/2.0/mlflow/runs/search', {
        experiment_ids: [exp.experiment_id, '0', '1'],
        filter: "tags.t LIKE '%a%a%b'",
      }),
      postJson(server.url, '/api/2.0/mlflow/runs/search', { experiment_ids: ['0', '1'], filter: "tags.t ILIKE '%a%a%a%a%a%a%a%b'" }),
      postJson(server.url, '/api/2.0/mlflow/experiments/search', { filter: "name ILIKE '%a%a%a%a%a%a%a%a%b'" }),
      postJson(server.url, '/api/2.0/mlflow/experiments/search', { filter: `name LIKE '%${'a%'.repeat(100)}b'` }),
    ];
    // The server keeps answering meanwhile.
    const t0 = performance.now();
    const health = await raw(server.url, 'GET', '/health');
    const healthMs = performance.now() - t0;
    const results = await Promise.all(searches);
    const allMs = performance.now() - t0;
    expect(health.status).toBe(200);
    for (const r of results) expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(results[0]!.json.runs).toBeUndefined();
    expect(results[2]!.json.experiments).toBeUndefined();
    // Generous bounds: a backtracking matcher takes seconds to minutes here.
    expect(healthMs).toBeLessThan(1000);
    expect(allMs).toBeLessThan(3000);
  });
});
