// The artifact contract through the tracking server: MlflowArtifactsRepository (what clients use for
// mlflow-artifacts: URIs) against a live server proxying to a local folder.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { MlflowArtifactsRepository } from '@labbook/core';
import { describeArtifactRepository } from '@labbook/testkit';
import { afterAll } from 'vitest';
import { fileServer } from './helpers.js';

const server = await fileServer();
afterAll(async () => {
  await server.close();
  rmSync(server.root, { recursive: true, force: true });
});

describeArtifactRepository({
  name: 'mlflow-artifacts through the server',
  create: async () => new MlflowArtifactsRepository(`mlflow-artifacts://${new URL(server.url).host}/suite/${randomUUID()}`),
  // Client and server share this process: the limit covers both sides' buffers, never the body.
  largeFile: { bytes: 200 * 1024 * 1024, rssGrowthLimit: 120 * 1024 * 1024 },
});
