import { type Channel, channel, type TracingChannel, tracingChannel } from 'node:diagnostics_channel';

/**
 * Store operations published on `diagnostics_channel` tracing channels, so benchmarks and APM tools
 * can subscribe (`tracingChannel('labbook.tracking.logBatch').subscribe({...})`) without a logging
 * dependency. Costs nothing while nobody listens.
 */
export const labbookChannels = {
  createRun: tracingChannel<string, object>('labbook.tracking.createRun'),
  logBatch: tracingChannel<string, object>('labbook.tracking.logBatch'),
  searchRuns: tracingChannel<string, object>('labbook.tracking.searchRuns'),
  getMetricHistory: tracingChannel<string, object>('labbook.tracking.getMetricHistory'),
  artifactsPut: tracingChannel<string, object>('labbook.artifacts.put'),
  artifactsGet: tracingChannel<string, object>('labbook.artifacts.get'),
} as const;

/** Runs `fn` inside a tracing channel when someone subscribes, and directly otherwise. */
export function traced<T>(channel: TracingChannel<string, object>, context: object, fn: () => Promise<T>): Promise<T> {
  // `start.hasSubscribers` exists on Node 20 (TracingChannel#hasSubscribers only from Node 22).
  if (!channel.start.hasSubscribers) return fn();
  return channel.tracePromise(fn, context);
}

/**
 * Published with `{ entity, field, text }` each time a search filter or order_by is parsed, so a test
 * or a profiler can see that a search is parsed once however many layers it crosses.
 */
export const searchParseChannel: Channel = channel('labbook.search.parse');
