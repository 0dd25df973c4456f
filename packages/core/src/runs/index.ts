export * from './run-id.js';
export * from './run-name.js';
export * from './system-tags.js';
