/**
 * The REST client against a real HTTP server on loopback that misbehaves on purpose: retries with
 * backoff for idempotent calls only, timeouts, auth headers, and MLflow's error bodies.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LabbookError } from '../src/errors.js';
import { RestClient } from '../src/rest/http-client.js';
import { MlflowArtifactsRepository } from '../src/rest/mlflow-artifacts-repository.js';

let server: Server;
let base: string;
let handler: (req: IncomingMessage, res: ServerResponse, attempt: number) => void;
let attempts = 0;
let lastAuth: string | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    attempts++;
    lastAuth = req.headers.authorization;
    handler(req, res, attempts);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((r) => {
      // A handler that never answers (the abort test) leaves its connection open.
      server.closeAllConnections();
      server.close(() => r());
    }),
);
beforeEach(() => {
  attempts = 0;
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('RestClient', () => {
  it('retries idempotent calls on 503 and 429 with backoff, then succeeds', async () => {
    handler = (_req, res, n) =>
      n < 3 ? json(res, n === 1 ? 503 : 429, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }) : json(res, 200, { ok: true });
    const client = new RestClient(base, { maxRetries: 3, backoffMs: 5 });
    expect(await client.get('/x')).toEqual({ ok: true });
    expect(attempts).toBe(3);
  });

  it('gives up after maxRetries with the server error code', async () => {
    handler = (_req, res) => json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'still busy' });
    const client = new RestClient(base, { maxRetries: 2, backoffMs: 1 });
    const error = await client.get('/x').catch((e: unknown) => e);
    expect(LabbookError.is(error) && error.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect(attempts).toBe(3);
  });

  it('never retries a non-idempotent call, and keeps MLflow error codes and messages', async () => {
    handler = (_req, res) => json(res, 500, { error_code: 'INTERNAL_ERROR', message: 'boom' });
    const client = new RestClient(base, { maxRetries: 5, backoffMs: 1 });
    const error = await client.send('POST', '/runs/create', {}).catch((e: unknown) => e);
    expect(attempts).toBe(1);
    expect(LabbookError.is(error) && [error.code, error.message]).toEqual(['INTERNAL_ERROR', 'boom']);
    handler = (_req, res) => json(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad key' });
    const bad = await client.get('/x').catch((e: unknown) => e);
    expect(attempts).toBe(2);
    expect(LabbookError.is(bad) && bad.code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('times out a slow server with DEADLINE_EXCEEDED', async () => {
    handler = (_req, res) => setTimeout(() => json(res, 200, {}), 400);
    const client = new RestClient(base, { timeoutMs: 50, maxRetries: 0 });
    const error = await client.get('/slow').catch((e: unknown) => e);
    expect(LabbookError.is(error) && error.code).toBe('DEADLINE_EXCEEDED');
  });

  it('reports an unreachable server as TEMPORARILY_UNAVAILABLE, naming host, port, cause, retries and what to do', async () => {
    // A port that was listening a moment ago and is now closed: refused at once, no timeout to wait for.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));

    const client = new RestClient(`http://127.0.0.1:${port}`, { maxRetries: 2, backoffMs: 1 });
    const error = await client.get('/api/2.0/mlflow/experiments/get').catch((e: unknown) => e);
    expect(LabbookError.is(error) && error.code).toBe('TEMPORARILY_UNAVAILABLE');
    const message = (error as Error).message;
    expect(message).toContain('GET /api/2.0/mlflow/experiments/get');
    expect(message).toContain('host 127.0.0.1');
    expect(message).toContain(`port ${port}`);
    expect(message).toContain('ECONNREFUSED');
    expect(message).toMatch(/after 3 attempts over \d+(\.\d)? m?s/);
    expect(message).toContain('Check that the tracking server is running');
    expect(message).toContain(`labbook server --port ${port}`);
    expect(message).toContain('LABBOOK_TRACKING_URI');

    // A POST is tried once, and the message says why it was not retried.
    const post = await client.send('POST', '/api/2.0/mlflow/runs/create', {}).catch((e: unknown) => e);
    expect(LabbookError.is(post) && post.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect((post as Error).message).toMatch(/after 1 attempt over .*POST is not retried/);
  });

  it('names the cause when the host does not resolve, and keeps credentials out of the message', async () => {
    // .invalid never resolves (RFC 6761); a stub fetch keeps the test off the real resolver.
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND tracking.invalid'), {
      code: 'ENOTFOUND',
      hostname: 'tracking.invalid',
    });
    const fetchStub = (async () => {
      throw new TypeError('fetch failed', { cause: notFound });
    }) as unknown as typeof fetch;
    const client = new RestClient('https://bob:s3cret@tracking.invalid/mlflow', { maxRetries: 1, backoffMs: 1, fetch: fetchStub });
    const error = await client.get('/x').catch((e: unknown) => e);
    expect(LabbookError.is(error) && error.code).toBe('TEMPORARILY_UNAVAILABLE');
    const message = (error as Error).message;
    expect(message).toContain('host tracking.invalid, port 443');
    expect(message).toContain('ENOTFOUND');
    expect(message).toContain('after 2 attempts');
    expect(message).toContain('reachable from this machine');
    expect(message).not.toContain('s3cret');
  });

  it('says how long it waited when every attempt timed out', async () => {
    handler = (_req, res) => setTimeout(() => json(res, 200, {}), 400);
    const client = new RestClient(base, { timeoutMs: 40, maxRetries: 1, backoffMs: 1 });
    const error = await client.get('/slow').catch((e: unknown) => e);
    expect(LabbookError.is(error) && error.code).toBe('DEADLINE_EXCEEDED');
    expect((error as Error).message).toMatch(/no response within 40 ms\) after 2 attempts/);
    expect((error as Error).message).toContain('raise the timeout');
  });

  it('sends basic auth, or a bearer token, and never puts them in error messages', async () => {
    handler = (_req, res) => json(res, 401, { error_code: 'UNAUTHENTICATED', message: 'no' });
    const basic = new RestClient(base, { username: 'alice', password: 'pw-secret', maxRetries: 0 });
    const error = await basic.get('/x').catch((e: unknown) => e);
    expect(lastAuth).toBe(`Basic ${Buffer.from('alice:pw-secret').toString('base64')}`);
    expect(String((error as Error).message)).not.toContain('pw-secret');
    await new RestClient(base, { token: 'tok-1', maxRetries: 0 }).get('/x').catch(() => undefined);
    expect(lastAuth).toBe('Bearer tok-1');
  });
});

describe('MlflowArtifactsRepository streamed uploads', () => {
  const chunks = (mib: number) =>
    Readable.from(
      (function* () {
        for (let i = 0; i < mib; i++) yield Buffer.alloc(1024 * 1024, i);
      })(),
    );
  const repo = () => new MlflowArtifactsRepository(`${base}/api/2.0/mlflow-artifacts/artifacts/root`);

  it('sends the body with its length and auth, and reports progress as the socket takes it', async () => {
    let received = 0;
    let length: string | undefined;
    handler = (req, res) => {
      length = req.headers['content-length'];
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => json(res, 200, {}));
    };
    const seen: number[] = [];
    await repo().put('a/b.bin', chunks(8), { size: 8 * 1024 * 1024, onProgress: (p) => seen.push(p.bytesDone) });
    expect(received).toBe(8 * 1024 * 1024);
    expect(length).toBe(String(8 * 1024 * 1024));
    expect(seen.at(-1)).toBe(8 * 1024 * 1024);
    expect(seen.length).toBeGreaterThan(1);
  });

  it("ends with the server's error when it refuses before reading the body", async () => {
    handler = (_req, res) => json(res, 403, { error_code: 'PERMISSION_DENIED', message: 'no writes here' });
    let made = 0;
    const body = Readable.from(
      (function* () {
        for (; made < 256; made++) yield Buffer.alloc(1024 * 1024);
      })(),
    );
    const error = await repo()
      .put('a/b.bin', body, { size: 256 * 1024 * 1024 })
      .catch((e: unknown) => e);
    expect(LabbookError.is(error) && [error.code, error.message]).toEqual(['PERMISSION_DENIED', 'no writes here']);
    // The rest of the body is not sent (nor read from its source) into a server that stopped reading.
    await expect.poll(() => body.destroyed).toBe(true);
    expect(made).toBeLessThan(256);
  });

  it('fails clearly when the connection drops mid-upload, and when the caller aborts', async () => {
    handler = (req) => {
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
        if (n > 2 * 1024 * 1024) req.socket.destroy();
      });
    };
    const dropped = await repo()
      .put('a/b.bin', chunks(64), { size: 64 * 1024 * 1024 })
      .catch((e: unknown) => e);
    expect(LabbookError.is(dropped) && dropped.code).toBe('TEMPORARILY_UNAVAILABLE');
    handler = () => {};
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const aborted = await repo()
      .put('a/b.bin', chunks(64), { size: 64 * 1024 * 1024, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(LabbookError.is(aborted) && aborted.code).toBe('CANCELLED');
  });
});
