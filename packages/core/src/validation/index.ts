export * from './limits.js';
export * from './keys.js';
export * from './values.js';
export * from './entities.js';
