export * from './tracking-uri.js';
export * from './artifact-uri.js';
