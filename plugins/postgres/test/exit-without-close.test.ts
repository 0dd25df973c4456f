import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { available, type PostgresTestDatabase, testDatabase } from './helpers/db.js';

const WORKER = fileURLToPath(new URL('./helpers/exit-worker.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** Well past a run's real work (about a second with tsx's start-up), well short of the pool's 60 s idle timeout. */
const EXIT_LIMIT_MS = 10_000;

function runChild(args: string[]): Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, EXIT_LIMIT_MS);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, killed, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

describe.runIf(available)('a script that never calls close()', () => {
  let db: PostgresTestDatabase;

  beforeAll(async () => {
    db = (await testDatabase())!;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each(['db', 'store'])(
    'exits by itself once its work is done (%s)',
    async (mode) => {
      const r = await runChild([db.url, mode]);
      expect(r.stderr).toBe('');
      expect(r.killed).toBe(false);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toBe('');
    },
    30_000,
  );
});
