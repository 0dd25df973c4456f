import { createRequire } from 'node:module';

/** This package's version, read from its package.json (the same file in src/ and dist/ layouts). */
export const SERVER_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
