export * from './fluent.js';
export * from './active-run.js';
export * from './metric-queue.js';
export * from './fluent-media.js';
export * from './fluent-table.js';
export * from './fluent-datasets.js';
export * from './fluent-queries.js';
export * from './fluent-logged-models.js';
