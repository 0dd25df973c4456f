import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort, waitFor } from './free-port.js';

/** The documented development account of the Azure storage emulator (public, not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** A private azurite (blob service only, in memory) on a free loopback port. */
export interface AzuriteTestServer {
  connectionString: string;
  endpoint: string;
  pid: number;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Starts `azurite-blob` (its own entry script, so the PID held is the server's). */
export async function startAzurite(): Promise<AzuriteTestServer> {
  const require = createRequire(import.meta.url);
  const main = join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--inMemoryPersistence',
      '--silent',
      '--disableTelemetry',
      '--skipApiVersionCheck',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const kill = () =>
    exited(child)
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        });
  try {
    await waitFor('azurite', async () => {
      if (exited(child)) throw new Error(`azurite exited: ${stderr}`);
      const res = await fetch(`${endpoint}?comp=list`);
      return res.status > 0;
    });
  } catch (error) {
    await kill();
    throw error;
  }
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
    endpoint,
    pid: child.pid ?? -1,
    kill,
    stop: kill,
  };
}
