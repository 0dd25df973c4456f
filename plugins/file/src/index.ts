/**
 * `@labbook/plugin-file`: labbook's embedded backend over MLflow's `mlruns/` folder layout.
 * @packageDocumentation
 */
export { FileTrackingStore, type FileTrackingStoreOptions } from './file-tracking-store.js';
export { FileRegistryStore, type FileRegistryStoreOptions } from './file-registry-store.js';
export { LocalArtifactRepository, type LocalArtifactRepositoryOptions } from './local-artifact-repository.js';
export { formatPythonFloat, parsePythonFloat } from './python-float.js';
export { formatMetricLine, parseMetricHistory } from './metric-file.js';
export { generateExperimentId } from './experiment-id.js';
export { PLUGIN_NAME } from './constants.js';
export { default as plugin } from './plugin.js';
