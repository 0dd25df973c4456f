export * from './define-plugin.js';
export * from './scheme.js';
export * from './manifest.js';
export * from './discovery.js';
export * from './plugin-registry.js';
export * from './default-registry.js';
export * from './v1-adapter.js';
export * from './rest-plugin.js';
