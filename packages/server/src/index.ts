export { createServer, startServer } from './server.js';
export type { RunningServer, ServerOptions } from './options.js';
