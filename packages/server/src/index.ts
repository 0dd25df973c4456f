export { createServer, startServer } from './server.js';
export type { RunningServer, ServerOptions } from './options.js';
export { type AuthOptions, hashPassword } from './auth.js';
