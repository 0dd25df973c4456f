export * from './artifact-path.js';
export * from './safe-artifact-repository.js';
export * from './bounded-pool.js';
export * from './local-transfer.js';
export * from './stream-helpers.js';
export * from './artifact-body.js';
export * from './artifact-content-type.js';
