import { definePlugin } from '@labbook/core/plugin';
import { AzureBlobArtifactRepository } from './azure-blob-artifact-repository.js';
import { PLUGIN_NAME } from './constants.js';
import { checkAzureBlobOptions } from './options.js';

/** `wasbs://container@account.blob.core.windows.net/path` artifact repositories. */
export default definePlugin({
  apiVersion: 2,
  name: PLUGIN_NAME,
  artifactRepositories: {
    wasbs: (uri, options) => new AzureBlobArtifactRepository(uri, checkAzureBlobOptions(options)),
  },
});
