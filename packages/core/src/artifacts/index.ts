export * from './artifact-path.js';
export * from './safe-artifact-repository.js';
