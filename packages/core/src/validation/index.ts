export * from './limits.js';
export * from './keys.js';
export * from './values.js';
export * from './entities.js';
export * from './validated-tracking-store.js';
export * from './validated-registry-store.js';
export * from './logged-models.js';
