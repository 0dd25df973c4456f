import type { StoreFactoryOptions } from '@labbook/core/plugin';
import { MSG } from './constants.js';
import { given, OptionChecks } from '@labbook/core/plugin';

/** Settings of an {@link AzureBlobArtifactRepository}, defaulting from MLflow's environment variables. */
export interface AzureBlobArtifactRepositoryOptions {
  /** A ready container client; the credential settings are then ignored. */
  containerClient?: import('@azure/storage-blob').ContainerClient;
  /** Default: `AZURE_STORAGE_CONNECTION_STRING`. */
  connectionString?: string;
  /** Account key, used when there is no connection string. Default: `AZURE_STORAGE_ACCESS_KEY`. */
  accessKey?: string;
  /** Overrides `https://<account>.<suffix>` (e.g. a private endpoint). */
  accountUrl?: string;
  /** Block size for uploads (default 8 MiB) and blocks in flight (default 4). */
  blockSize?: number;
  concurrency?: number;
  /** Attempts per request with exponential backoff (default 5). */
  maxTries?: number;
  /** Per-request timeout in seconds. Default: `MLFLOW_ARTIFACT_UPLOAD_DOWNLOAD_TIMEOUT` or 600. */
  timeoutSeconds?: number;
}

/**
 * Checks raw factory options (as a config file or `resolveArtifactRepository` passes them) and
 * returns them typed; a wrong type fails with INVALID_PARAMETER_VALUE naming the option. Options of
 * other plugins are ignored.
 */
export function checkAzureBlobOptions(raw: StoreFactoryOptions): AzureBlobArtifactRepositoryOptions {
  const o = new OptionChecks(raw, MSG);
  return given<AzureBlobArtifactRepositoryOptions>({
    containerClient: o.withMethods(
      'containerClient',
      ['getBlockBlobClient', 'listBlobsFlat'],
      'a ContainerClient from @azure/storage-blob',
    ),
    connectionString: o.string('connectionString'),
    accessKey: o.string('accessKey'),
    accountUrl: o.string('accountUrl'),
    blockSize: o.integer('blockSize', 1),
    concurrency: o.integer('concurrency', 1),
    maxTries: o.integer('maxTries', 1),
    timeoutSeconds: o.number('timeoutSeconds'),
  });
}
