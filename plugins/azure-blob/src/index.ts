export { AzureBlobArtifactRepository } from './azure-blob-artifact-repository.js';
export { type AzureBlobArtifactRepositoryOptions, checkAzureBlobOptions } from './options.js';
export { parseWasbsUri, type WasbsLocation } from './uri.js';
export { PLUGIN_NAME } from './constants.js';
export { default as plugin } from './plugin.js';
