/**
 * `@labbook/server`: MLflow's REST API for tracking, the model registry and the artifact proxy, with
 * the web UI, on Fastify.
 * @packageDocumentation
 */
export { createServer } from './app.js';
export { startServer } from './start.js';
export type { RunningServer, ServerOptions } from './options.js';
export { type AuthOptions, hashPassword } from './auth.js';
export { downsampleMinMax, type DownsampledHistory, type XAxis } from './metric-downsampling.js';
export * from './scoring/index.js';
