/**
 * `@labbook/testkit`: conformance suites that every labbook backend runs against its real server,
 * first-party and third-party alike. Call them from a vitest test file.
 * @packageDocumentation
 */
export * from './contract-version.js';
export * from './tracking/index.js';
export * from './registry/index.js';
export * from './artifacts/index.js';
export * from './projects/index.js';
export * from './capabilities.js';
export * from './assertions.js';
export * from './names.js';
export * from './flavors/index.js';
