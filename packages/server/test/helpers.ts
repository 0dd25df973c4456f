import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRegistryStore, FileTrackingStore, LocalArtifactRepository } from '@labbook/plugin-file';
import { type RunningServer, startServer } from '../src/index.js';

/** A server on a free loopback port backed by a file store in a temp folder. */
export async function fileServer(extra: Record<string, unknown> = {}): Promise<RunningServer & { root: string }> {
  const root = mkdtempSync(join(tmpdir(), 'labbook-server-'));
  const s = await startServer({
    port: 0,
    logger: false,
    trackingStore: new FileTrackingStore({ root: join(root, 'mlruns'), fsync: false, artifactRoot: 'mlflow-artifacts:/' }),
    registryStore: new FileRegistryStore({ root: join(root, 'mlruns'), fsync: false }),
    artifactRepository: new LocalArtifactRepository(join(root, 'mlartifacts')),
    ...extra,
  });
  return { ...s, root };
}
