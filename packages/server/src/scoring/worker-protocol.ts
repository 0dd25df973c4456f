/**
 * What the primary of `startScoringWorkers` and its worker processes tell each other over the
 * cluster's IPC channel, and the options a worker is started with (through its environment, so a
 * worker knows them before it loads anything).
 */

/** The environment variable holding a worker's {@link WorkerOptions} as JSON. */
export const WORKER_OPTIONS_ENV = 'LABBOOK_SCORING_WORKER_OPTIONS';

/** The serializable part of the scoring server's options, and the model folder the primary resolved. */
export interface WorkerOptions {
  modelDir: string;
  /** The URI the user gave, for messages and the model's own `uri`. */
  modelUri: string;
  flavor?: string;
  host: string;
  port: number;
  timeoutSeconds?: number;
  bodyLimit?: number;
  allowedHosts?: string[];
  corsAllowedOrigins?: string[];
  allowedOrigins?: string[];
  batching?: boolean;
}

export type WorkerMessage = { type: 'ready'; url: string } | { type: 'failed'; code: string; message: string };

/** Sent by the primary: finish the requests in flight, close the model, exit 0. */
export const SHUTDOWN = 'labbook:shutdown';

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'failed';
}
