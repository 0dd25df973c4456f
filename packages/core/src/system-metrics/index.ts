export * from './config.js';
export * from './collectors.js';
export * from './system-metrics-monitor.js';
export { runMonitor, resumeStep } from './run-monitors.js';
