/**
 * What the primary of `startScoringWorkers` and its worker processes tell each other over the
 * cluster's IPC channel, and the options a worker is started with (through its environment, so a
 * worker knows them before it loads anything).
 */

/** The environment variable holding a worker's {@link WorkerOptions} as JSON. */
export const WORKER_OPTIONS_ENV = 'LABBOOK_SCORING_WORKER_OPTIONS';

import type { ScoringServerOptions } from './scoring-server.js';

/** The scoring server's options that are plain data, and so can be handed to a worker. */
export const SERIALIZABLE_SERVER_OPTIONS = [
  'host',
  'port',
  'timeoutSeconds',
  'bodyLimit',
  'allowedHosts',
  'corsAllowedOrigins',
  'allowedOrigins',
  'batching',
] as const;

export type SerializableServerOptions = Pick<ScoringServerOptions, (typeof SERIALIZABLE_SERVER_OPTIONS)[number]>;

/** A worker's start: the model folder the primary resolved, and the server's options. */
export interface WorkerOptions {
  modelDir: string;
  flavor?: string;
  server: SerializableServerOptions;
}

export type WorkerMessage = { type: 'ready'; url: string } | { type: 'failed'; code: string; message: string };

/** Sent by the primary: finish the requests in flight, close the model, exit 0. */
export const SHUTDOWN = 'labbook:shutdown';

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'failed';
}
