/**
 * `@labbook/core`: experiment tracking for TypeScript, compatible with MLflow.
 * @packageDocumentation
 */
export * from './entities/index.js';
export * from './errors.js';
export type * from './interfaces/index.js';
export * from './validation/index.js';
export * from './search/index.js';
export * from './metrics/index.js';
export * from './artifacts/index.js';
export * from './plugins/index.js';
export * from './runs/index.js';
export * from './rest/index.js';
export * from './uri/index.js';
export * from './context/index.js';
export * from './client/index.js';
export * from './fluent/index.js';
export * from './models/index.js';
export * from './projects/index.js';
export * from './diagnostics/channels.js';
export * from './system-metrics/index.js';
export * from './media/index.js';
