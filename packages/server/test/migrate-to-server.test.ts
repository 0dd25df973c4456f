// file → labbook server through the REST stores. MLflow's REST API has no import; a labbook server
// offers one (`/api/2.0/labbook/…/import`), so ids are kept and artifact locations too: the server
// allows the temp folder the source stores its artifacts in. Through withoutImport (the import
// methods hidden on the client) the same suite covers the no-import path: new ids, found again on a
// rerun by the source-id tag, artifacts copied through the server's proxy (mlflow-artifacts:).
import { tmpdir } from 'node:os';
import {
  MlflowArtifactsRepository,
  RestRegistryStore,
  RestTrackingStore,
  SafeArtifactRepository,
  validatedRegistryStore,
  validatedTrackingStore,
} from '@labbook/core';
import { afterAll, describe } from 'vitest';
import { conflictCase, localArtifacts, migrateSuite, removeTempDirs, type Stores } from '../../../test/harness/migrate-suite.js';
import { fileServer } from './helpers.js';

const servers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  removeTempDirs();
});

async function serverTarget(): Promise<Stores> {
  const server = await fileServer({ allowedArtifactRoots: [tmpdir()] });
  servers.push(server);
  return {
    tracking: validatedTrackingStore(new RestTrackingStore(server.url, { maxRetries: 0 })),
    registry: validatedRegistryStore(new RestRegistryStore(server.url, { maxRetries: 0 })),
    // The server's own runs live under mlflow-artifacts:/ (its proxy); kept locations are files.
    resolveArtifacts: async (uri: string) =>
      uri.startsWith('mlflow-artifacts:')
        ? new SafeArtifactRepository(new MlflowArtifactsRepository(uri, { trackingUri: server.url }))
        : localArtifacts(uri),
  };
}

describe('migrate file → labbook server (REST, import)', () => {
  migrateSuite('labbook server over REST', serverTarget);
  conflictCase(serverTarget);
});
