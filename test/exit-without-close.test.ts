// A script that never calls close() must still exit on its own, on every backend: idle pooled
// connections (mysql2, ssh2, HTTP keep-alive agents) must not keep Node's event loop alive. Each
// backend gets a child process (test/fixtures/exit-without-close.mjs, on the built packages) that
// does real work and is killed if it is still running after EXIT_LIMIT_MS.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { type RunningServer, startServer } from '@labbook/server';
import { Client, type LabbookPlugin, registerPlugin } from 'labbook';
import { afterAll, describe, expect, it } from 'vitest';
import { type AzuriteTestServer, startAzurite } from './harness/azurite.js';
import { createMysqlTestDatabase, type MysqlDriver, type MysqlTestDatabase } from './harness/mysql.js';
import { createPostgresTestDatabase, type PostgresTestDatabase } from './harness/postgres.js';
import { type S3TestServer, startS3rver } from './harness/s3rver.js';
import { serviceAvailable } from './harness/service.js';
import { type SshdTestServer, startSshd } from './harness/sshd.js';

const EXIT_LIMIT_MS = 5000;
const fixture = join(import.meta.dirname, 'fixtures', 'exit-without-close.mjs');
const plugin = (name: string) => pathToFileURL(join(import.meta.dirname, '..', 'plugins', name, 'dist', 'plugin.js')).href;

const dir = mkdtempSync(join(tmpdir(), 'labbook-exit-close-'));
const cleanups: (() => Promise<unknown> | unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Starts a service, or returns undefined when it cannot be had (skip locally, fail under CI). */
async function service<T>(name: string, start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (error) {
    serviceAvailable(name, error);
    return undefined;
  }
}

// The test workspace does not depend on mysql2; the plugin's copy is the one users get anyway.
const mysql2 = createRequire(join(import.meta.dirname, '..', 'plugins', 'mysql', 'package.json'))('mysql2/promise') as MysqlDriver;
const mysql = await service<MysqlTestDatabase>('MySQL', () => createMysqlTestDatabase(mysql2, 'labbook_exit'));
if (mysql) cleanups.push(() => mysql.drop());
const postgres = await service<PostgresTestDatabase>('PostgreSQL', () => createPostgresTestDatabase('labbook_exit'));
if (postgres) cleanups.push(() => postgres.drop());
const s3 = await service<S3TestServer>('S3 (s3rver)', () => startS3rver());
if (s3) cleanups.push(() => s3.stop());
const azurite = await service<AzuriteTestServer>('Azure Blob (azurite)', async () => {
  const server = await startAzurite();
  cleanups.push(() => server.stop());
  await BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient('labbook').createIfNotExists();
  return server;
});
const sshd = await service<SshdTestServer>('SFTP (OpenSSH sshd)', () => startSshd());
if (sshd) cleanups.push(() => sshd.stop());
const labbookServer = await service<RunningServer>('labbook server', () =>
  startServer({
    backendStoreUri: join(dir, 'server-mlruns'),
    serveArtifacts: true,
    artifactsDestination: join(dir, 'server-artifacts'),
    host: '127.0.0.1',
    port: 0,
  }),
);
if (labbookServer) cleanups.push(() => labbookServer.close());

interface ChildResult {
  code: number | null;
  killed: boolean;
  ms: number;
  stdout: string;
  stderr: string;
}

function runChild(args: string[], env: Record<string, string | undefined> = {}): Promise<ChildResult> {
  const cwd = mkdtempSync(join(dir, 'child-'));
  const started = Date.now();
  const child = spawn(process.execPath, [fixture, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, EXIT_LIMIT_MS);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, killed, ms: Date.now() - started, stdout, stderr });
    });
  });
}

/**
 * The child exited, and before that finished its work: labbook's exit hook stored the fluent metric
 * and ended the run, so nothing was cut short by a socket that stopped holding the loop too early.
 */
async function expectExitedAfterWork(result: ChildResult, trackingUri: string): Promise<void> {
  const out = expectExited(result);
  const client = new Client({ trackingUri });
  try {
    const fluent = await client.getRun(out.fluentRunId);
    expect(fluent.info.status).toBe('FINISHED');
    expect(fluent.data.metrics.map((m) => m.key)).toEqual(['acc']);
    expect(fluent.data.params.map((p) => [p.key, p.value])).toEqual([['optimizer', 'adam']]);
    const direct = await client.getRun(out.clientRunId);
    expect(direct.data.params.map((p) => [p.key, p.value])).toEqual([['lr', '0.1']]);
    expect(direct.data.metrics.map((m) => m.key)).toEqual(['loss']);
  } finally {
    await client.close();
  }
}

function expectExited(result: ChildResult): { clientRunId: string; fluentRunId: string; artifacts: string[] } {
  const detail = `after ${result.ms} ms\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  expect(result.killed, `still running after ${EXIT_LIMIT_MS} ms (killed)\n${detail}`).toBe(false);
  expect(result.code, detail).toBe(0);
  const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as { clientRunId: string; fluentRunId: string; artifacts: string[] };
  expect(out.artifacts).toEqual(['model/model.txt']);
  return out;
}

describe('a script that never calls close() exits on its own', () => {
  it('file store', async () => {
    const store = join(dir, 'file-mlruns');
    await expectExitedAfterWork(await runChild([store, '']), store);
  });

  it.runIf(mysql)('MySQL tracking store', async () => {
    registerPlugin(((await import(plugin('mysql'))) as { default: LabbookPlugin }).default);
    await expectExitedAfterWork(
      await runChild([mysql!.url, pathToFileURL(join(dir, 'mysql-artifacts')).href, plugin('mysql')]),
      mysql!.url,
    );
  });

  it.runIf(postgres)('PostgreSQL tracking store', async () => {
    registerPlugin(((await import(plugin('postgres'))) as { default: LabbookPlugin }).default);
    await expectExitedAfterWork(
      await runChild([postgres!.url, pathToFileURL(join(dir, 'postgres-artifacts')).href, plugin('postgres')]),
      postgres!.url,
    );
  });

  it('SQLite tracking store', async () => {
    registerPlugin(((await import(plugin('sqlite'))) as { default: LabbookPlugin }).default);
    const uri = `sqlite:///${join(dir, 'exit.db')}`;
    await expectExitedAfterWork(await runChild([uri, pathToFileURL(join(dir, 'sqlite-artifacts')).href, plugin('sqlite')]), uri);
  });

  it.runIf(s3)('S3 artifacts', async () => {
    const env = {
      MLFLOW_S3_ENDPOINT_URL: s3!.endpoint,
      AWS_ACCESS_KEY_ID: s3!.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3!.credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
    };
    const store = join(dir, 's3-mlruns');
    await expectExitedAfterWork(await runChild([store, `s3://${s3!.bucket}/exit`, plugin('s3')], env), store);
  });

  it.runIf(azurite)('Azure Blob artifacts', async () => {
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite!.connectionString };
    const store = join(dir, 'azure-mlruns');
    await expectExitedAfterWork(
      await runChild([store, 'wasbs://labbook@devstoreaccount1.blob.core.windows.net/exit', plugin('azure-blob')], env),
      store,
    );
  });

  it.runIf(sshd)('SFTP artifacts', async () => {
    // The key comes from ~/.ssh/config, as for a user; HOME points at a throwaway one.
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), `Host ${sshd!.host}\n  IdentityFile ${sshd!.privateKeyPath}\n`);
    const root = join(sshd!.root, 'exit');
    mkdirSync(root, { recursive: true });
    const uri = `sftp://${sshd!.user}@${sshd!.host}:${sshd!.port}${root}`;
    const store = join(dir, 'sftp-mlruns');
    await expectExitedAfterWork(await runChild([store, uri, plugin('sftp')], { HOME: home, SSH_AUTH_SOCK: undefined }), store);
  });

  it.runIf(labbookServer)('labbook server over http (tracking and proxied artifacts)', async () => {
    await expectExitedAfterWork(await runChild([labbookServer!.url, '']), labbookServer!.url);
  });
});
