import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A private s3rver on a free loopback port. */
export interface S3TestServer {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Folder where s3rver keeps the objects. */
  directory: string;
  pid: number;
  /** Kills the server by its PID (the data stays, for restart). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

function launch(directory: string, bucket: string, port?: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, 's3rver-child.mjs'), directory, bucket, ...(port ? [String(port)] : [])],
    {
      env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within 20 s: ${stderr}`)), 20000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    });
  });
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Starts s3rver in a child process with a bucket, its data in a temp folder. */
export async function startS3rver(bucket = 'labbook'): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'labbook-s3rver-'));
  let { child, port } = await launch(directory, bucket);
  const server: S3TestServer = {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    directory,
    get pid() {
      return child.pid ?? -1;
    },
    kill: () => killChild(child),
    async restart() {
      await killChild(child);
      ({ child, port } = await launch(directory, bucket, port));
    },
    async stop() {
      await killChild(child);
      rmSync(directory, { recursive: true, force: true });
    },
  };
  return server;
}
