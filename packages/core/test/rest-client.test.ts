/**
 * The REST client against a real HTTP server on loopback that misbehaves on purpose: retries with
 * backoff for idempotent calls only, timeouts, auth headers, and MLflow's error bodies.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LabbookError } from '../src/errors.js';
import { RestClient } from '../src/rest/http-client.js';

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
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  attempts = 0;
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('RestClient', () => {
  it('retries idempotent calls on 503 and 429 with backoff, then succeeds', async () => {
    handler = (_req, res, n) => (n < 3 ? json(res, n === 1 ? 503 : 429, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }) : json(res, 200, { ok: true }));
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

  it('reports an unreachable server as TEMPORARILY_UNAVAILABLE after retrying', async () => {
    const client = new RestClient('http://127.0.0.1:1', { maxRetries: 1, backoffMs: 1 });
    const error = await client.get('/x').catch((e: unknown) => e);
    expect(LabbookError.is(error) && error.code).toBe('TEMPORARILY_UNAVAILABLE');
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
