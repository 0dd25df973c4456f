import { scryptSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeriveKey, authChecker } from '../src/auth.js';
import { hashPassword } from '../src/index.js';
import { fileServer } from './helpers.js';
import { raw } from './raw-http.js';

let server: Awaited<ReturnType<typeof fileServer>>;
beforeAll(async () => {
  const file = join((await import('node:os')).tmpdir(), `labbook-pw-${process.pid}`);
  writeFileSync(file, `alice:${hashPassword('s3cret')}\n`);
  server = await fileServer({ auth: { passwordFile: file, tokens: ['tok123'] } });
});
afterAll(() => server.close());

const search = (auth?: string) =>
  fetch(`${server.url}/api/2.0/mlflow/experiments/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: '{}',
  });

it('requires basic or bearer credentials, leaves /health open', async () => {
  expect((await search()).status).toBe(401);
  expect((await search(`Basic ${Buffer.from('alice:wrong').toString('base64')}`)).status).toBe(401);
  expect((await search(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`)).status).toBe(200);
  expect((await search('Bearer tok123')).status).toBe(200);
  expect((await search('Bearer nope')).status).toBe(401);
  expect((await fetch(`${server.url}/health`)).status).toBe(200);
});

it('refuses log-batch bodies over 1,000,000 bytes', async () => {
  const r = await fetch(`${server.url}/api/2.0/mlflow/runs/log-batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer tok123' },
    body: JSON.stringify({ run_id: 'x', params: [{ key: 'k', value: 'v'.repeat(1_000_001) }] }),
  });
  expect(r.status).toBe(413);
  expect(((await r.json()) as { error_code: string }).error_code).toBe('RESOURCE_EXHAUSTED');
});

const basic = (userPassword: string) => `Basic ${Buffer.from(userPassword).toString('base64')}`;

it('accepts the scheme names in any case', async () => {
  expect((await search(basic('alice:s3cret').replace('Basic', 'basic'))).status).toBe(200);
  expect((await search(basic('alice:s3cret').replace('Basic', 'BASIC'))).status).toBe(200);
  expect((await search('BEARER tok123')).status).toBe(200);
  expect((await search('bearer tok123')).status).toBe(200);
  expect((await search('bearer tok1234')).status).toBe(401);
});

it('keeps answering other requests while a burst of wrong passwords is checked', async () => {
  const file = join((await import('node:os')).tmpdir(), `labbook-pw-burst-${process.pid}`);
  writeFileSync(file, `alice:${hashPassword('s3cret')}\n`);
  // The failed-attempt limit is off so every wrong password really costs a scrypt check.
  const s = await fileServer({ auth: { passwordFile: file, tokens: ['tok123'], maxFailedAttempts: 0 } });
  try {
    const wrong = Array.from({ length: 48 }, (_, i) =>
      raw(s.url, 'POST', '/api/2.0/mlflow/experiments/search', {
        headers: { 'content-type': 'application/json', authorization: basic(`alice:wrong${i}`) },
        body: '{}',
      }),
    );
    let settled = false;
    const all = Promise.all(wrong).finally(() => {
      settled = true;
    });
    const latencies: number[] = [];
    // Probe the server for as long as the burst lasts: each probe must be answered promptly.
    do {
      const started = performance.now();
      const health = await raw(s.url, 'GET', '/health');
      const token = await raw(s.url, 'POST', '/api/2.0/mlflow/experiments/search', {
        headers: { 'content-type': 'application/json', authorization: 'Bearer tok123' },
        body: '{}',
      });
      latencies.push(performance.now() - started);
      expect(health.status).toBe(200);
      expect(token.status).toBe(200);
    } while (!settled);
    expect((await all).map((r) => r.status)).toEqual(wrong.map(() => 401));
    expect(Math.max(...latencies), `probe latencies ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`).toBeLessThan(1000);
  } finally {
    await s.close();
  }
});

it('answers 429 with a retry time after too many failed attempts from one address', async () => {
  const file = join((await import('node:os')).tmpdir(), `labbook-pw-limit-${process.pid}`);
  writeFileSync(file, `alice:${hashPassword('s3cret')}\nbob:${hashPassword('b0b')}\n`);
  const s = await fileServer({ auth: { passwordFile: file, tokens: ['tok123'], maxFailedAttempts: 3 } });
  const post = (authorization: string) =>
    raw(s.url, 'POST', '/api/2.0/mlflow/experiments/search', {
      headers: { 'content-type': 'application/json', authorization },
      body: '{}',
    });
  try {
    // Verified before the failures, so remembered: a client already logged in is not locked out.
    expect((await post(basic('alice:s3cret'))).status).toBe(200);
    expect((await post(basic('alice:wrong1'))).status).toBe(401);
    expect(await post('Bearer nope')).toMatchObject({ status: 401 });
    expect((await post(basic('nobody:x'))).status).toBe(401);
    for (const authorization of [basic('alice:wrong4'), basic('bob:b0b'), 'Bearer tok123']) {
      const limited = await post(authorization);
      expect(limited.status, authorization).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      const body = JSON.parse(limited.body) as { error_code: string; message: string };
      expect(body.error_code).toBe('RESOURCE_EXHAUSTED');
      expect(body.message).toMatch(/Retry after \d+ seconds/);
    }
    expect((await post(basic('alice:s3cret'))).status).toBe(200);
    expect((await raw(s.url, 'GET', '/health')).status).toBe(200);
    // No Authorization header is no attempt: a browser's first request is challenged, not limited.
    expect((await raw(s.url, 'GET', '/api/2.0/mlflow/experiments/search')).status).toBe(401);
  } finally {
    await s.close();
  }
});

describe('authChecker', () => {
  const file = join(tmpdir(), `labbook-pw-checker-${process.pid}`);
  writeFileSync(file, `alice:${hashPassword('s3cret')}\n`);

  function counting(delayMs = 0) {
    const calls: { password: string; keylen: number }[] = [];
    let running = 0;
    let maxRunning = 0;
    const derive: DeriveKey = async (password, salt, keylen) => {
      calls.push({ password, keylen });
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      running--;
      return scryptSync(password, salt, keylen);
    };
    return { calls, derive, maxRunning: () => maxRunning };
  }

  it('does the same scrypt work for unknown users, malformed credentials and wrong passwords', async () => {
    const c = counting();
    const check = authChecker({ passwordFile: file, maxFailedAttempts: 0 }, c.derive);
    expect(await check(basic('mallory:guess'), 'a')).toEqual({ ok: false });
    expect(await check(basic('alice:guess'), 'a')).toEqual({ ok: false });
    expect(await check(basic('no-colon-at-all'), 'a')).toEqual({ ok: false });
    expect(await check(basic('alice:s3cret'), 'a')).toEqual({ ok: true });
    expect(c.calls.map((call) => call.keylen)).toEqual([64, 64, 64, 64]);
    expect(c.calls.map((call) => call.password)).toEqual(['guess', 'guess', 'no-colon-at-all', 's3cret']);
  });

  it('remembers a verified credential, shares one check among parallel requests and bounds concurrent checks', async () => {
    const c = counting(20);
    const check = authChecker({ passwordFile: file, maxFailedAttempts: 0 }, c.derive);
    const parallel = await Promise.all(Array.from({ length: 5 }, () => check(basic('alice:s3cret'), 'a')));
    expect(parallel.every((o) => o.ok)).toBe(true);
    expect(await check(basic('alice:s3cret'), 'a')).toEqual({ ok: true });
    expect(c.calls).toHaveLength(1);
    await Promise.all(Array.from({ length: 8 }, (_, i) => check(basic(`alice:wrong${i}`), 'a')));
    expect(c.calls).toHaveLength(9);
    expect(c.maxRunning()).toBe(2);

    const uncached = counting();
    const strict = authChecker({ passwordFile: file, maxFailedAttempts: 0, credentialCacheMs: 0 }, uncached.derive);
    await strict(basic('alice:s3cret'), 'a');
    await strict(basic('alice:s3cret'), 'a');
    expect(uncached.calls).toHaveLength(2);
  });

  it('limits failed attempts per address within the window, without checking passwords meanwhile', async () => {
    const c = counting();
    const check = authChecker({ passwordFile: file, tokens: ['tok123'], maxFailedAttempts: 2, failedAttemptWindowMs: 300 }, c.derive);
    expect(await check(basic('alice:x'), 'a')).toEqual({ ok: false });
    expect(await check('Bearer x', 'a')).toEqual({ ok: false });
    expect(await check(basic('alice:s3cret'), 'a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(await check('Bearer tok123', 'a')).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    expect(c.calls).toHaveLength(1);
    // Another address is not affected.
    expect(await check('Bearer tok123', 'b')).toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await check(basic('alice:s3cret'), 'a')).toEqual({ ok: true });
    // A burst sent at once is limited too, not only guesses sent one after another.
    const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => check(basic(`alice:burst${i}`), 'c')));
    expect(burst.filter((o) => !o.ok && o.retryAfterSeconds !== undefined)).toHaveLength(4);
  });

  it('compares bearer tokens of any length without throwing', async () => {
    const check = authChecker({ tokens: ['tok123', 'another-token'] });
    expect(await check('Bearer tok123', 'a')).toEqual({ ok: true });
    expect(await check('Bearer another-token', 'a')).toEqual({ ok: true });
    expect(await check('Bearer tok12', 'a')).toEqual({ ok: false });
    expect(await check(`Bearer ${'x'.repeat(10_000)}`, 'a')).toEqual({ ok: false });
    expect(await check('Digest tok123', 'a')).toEqual({ ok: false });
    expect(await check('tok123', 'a')).toEqual({ ok: false });
  });
});
