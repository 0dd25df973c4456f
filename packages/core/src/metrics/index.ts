export * from './metric-history.js';
