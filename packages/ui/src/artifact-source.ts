/**
 * Where a set of artifacts lives: a run's (`artifacts/list`, `get-artifact`) or a logged model's
 * (`logged-models/<id>/artifacts/...`). The browser and previews read through one of these, so both
 * pages share them.
 */
import { api } from './api/client';
import type { FileInfo } from './api/types';

export interface ArtifactSource {
  /** Tells sources apart: previews reload when it changes. */
  key: string;
  list(path: string): Promise<FileInfo[]>;
  /** The URL of one file, for download links. */
  url(path: string): string;
  fetch(path: string): Promise<Blob>;
  /** The model URI that serves the folder `folder` (`''` for the root), for the "Serve it" hint. */
  modelUri(folder: string): string;
}

/** The artifacts of run `runId`. */
export function runArtifacts(runId: string): ArtifactSource {
  return {
    key: `run:${runId}`,
    list: (path) => api.listArtifacts(runId, path),
    url: (path) => api.artifactUrl(runId, path),
    fetch: (path) => api.fetchArtifact(runId, path),
    modelUri: (folder) => `runs:/${runId}${folder ? `/${folder}` : ''}`,
  };
}

/** The artifacts of logged model `modelId` (MLflow 3). */
export function loggedModelArtifacts(modelId: string): ArtifactSource {
  return {
    key: `model:${modelId}`,
    list: (path) => api.listLoggedModelArtifacts(modelId, path),
    url: (path) => api.loggedModelArtifactUrl(modelId, path),
    fetch: (path) => api.fetchLoggedModelArtifact(modelId, path),
    // A logged model is served by its id; a file deeper in is not a model of its own.
    modelUri: (folder) => `models:/${modelId}${folder ? `/${folder}` : ''}`,
  };
}
