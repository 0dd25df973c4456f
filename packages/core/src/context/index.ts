export * from './git-repository.js';
export * from './providers.js';
