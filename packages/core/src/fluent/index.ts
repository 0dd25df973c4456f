export * from './fluent.js';
export * from './active-run.js';
export * from './metric-queue.js';
