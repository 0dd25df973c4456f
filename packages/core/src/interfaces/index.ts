export type * from './tracking-store.js';
export type * from './registry-store.js';
export type * from './artifact-repository.js';
export type * from './run-context-provider.js';
export type * from './model-flavor.js';
