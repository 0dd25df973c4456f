export { AzureBlobArtifactRepository } from './azure-blob-artifact-repository.js';
export type { AzureBlobArtifactRepositoryOptions } from './azure-config.js';
export { parseWasbsUri, type WasbsLocation } from './wasbs-uri.js';
export { PLUGIN_NAME } from './constants.js';
export { default as plugin } from './plugin.js';
