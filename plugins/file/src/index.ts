/**
 * `@labbook/plugin-file`: labbook's embedded backend over MLflow's `mlruns/` folder layout.
 * @packageDocumentation
 */
export { FileTrackingStore } from './file-tracking-store.js';
export { FileRegistryStore } from './file-registry-store.js';
export type { FileRegistryStoreOptions, FileTrackingStoreOptions } from './options.js';
export { LocalArtifactRepository, type LocalArtifactRepositoryOptions } from './local-artifact-repository.js';
export { formatPythonFloat, parsePythonFloat } from './python-float.js';
export { formatMetricLine, parseMetricHistory } from './metric-file.js';
export { generateExperimentId } from './experiment-id.js';
export { PLUGIN_NAME } from './constants.js';
export { default as plugin } from './plugin.js';
