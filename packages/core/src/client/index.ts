export * from './client.js';
export * from './batch-splitter.js';
export * from './tag-input.js';
