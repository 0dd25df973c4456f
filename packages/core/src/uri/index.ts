export * from './tracking-uri.js';
export * from './artifact-uri.js';
export * from './local-path.js';
