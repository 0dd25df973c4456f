export * from './enums.js';
export * from './tracking.js';
export * from './registry.js';
export * from './logged-model.js';
