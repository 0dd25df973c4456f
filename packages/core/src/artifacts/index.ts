export * from './artifact-path.js';
