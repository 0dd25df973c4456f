import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../src/index.js';
import { fileServer } from './helpers.js';

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
