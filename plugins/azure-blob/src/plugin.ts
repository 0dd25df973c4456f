import { definePlugin } from '@labbook/core';
import type { AzureBlobArtifactRepositoryOptions } from './azure-config.js';
import { AzureBlobArtifactRepository } from './azure-blob-artifact-repository.js';
import { PLUGIN_NAME } from './constants.js';

/** `wasbs://container@account.blob.core.windows.net/path` artifact repositories. */
export default definePlugin({
  name: PLUGIN_NAME,
  artifactRepositories: {
    wasbs: (uri, options) => new AzureBlobArtifactRepository(uri, options as AzureBlobArtifactRepositoryOptions),
  },
});
