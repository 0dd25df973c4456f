import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mysql } from './db.js';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * A throwaway MariaDB of our own (data in a temp folder, a free port), so a test may stop and restart
 * it without disturbing the shared server (test-servers.md). Started and stopped by its own PID.
 */
export class PrivateMariadb {
  private child: ChildProcess | undefined;
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PrivateMariadb> {
    const dir = mkdtempSync(join(tmpdir(), 'labbook-mariadb-'));
    await run('chmod', ['755', dir]);
    await run(
      'mariadb-install-db',
      ['--user=mysql', `--datadir=${dir}/data`, '--auth-root-authentication-method=normal', '--skip-test-db'],
      { timeout: 60_000 },
    );
    return new PrivateMariadb(dir, await freePort());
  }

  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      '/usr/sbin/mariadbd',
      [
        '--no-defaults',
        '--user=mysql',
        `--datadir=${this.dir}/data`,
        `--socket=${this.dir}/data/s.sock`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        '--skip-name-resolve',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const c = await mysql.createConnection({ uri: this.url, connectTimeout: 1000 });
        await c.end();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
