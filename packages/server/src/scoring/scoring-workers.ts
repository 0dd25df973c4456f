/**
 * `mlflow models serve --workers N` for labbook: N processes of the scoring server on one port
 * (node:cluster hands each connection to a worker in turn), for machines with more cores than one
 * Node thread uses. A single server parses, predicts and answers on one thread; on two cores two
 * workers served 1.5x the requests of one (test/bench/models-serving.ts), and more cores add more.
 *
 * The primary resolves the model once (a `models:/…` URI is looked up and downloaded to the cache
 * here, not N times at once), then forks the workers, which load the folder and listen. A worker
 * that dies while serving is replaced; one that cannot load the model fails the start with its error.
 */
import cluster, { type Worker } from 'node:cluster';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, type ErrorCode, LabbookError, localModelDir } from '@labbook/core';
import {
  isWorkerMessage,
  SERIALIZABLE_SERVER_OPTIONS,
  type SerializableServerOptions,
  SHUTDOWN,
  WORKER_OPTIONS_ENV,
  type WorkerOptions,
} from './worker-protocol.js';

/** Most worker processes one server starts. */
export const MAX_SCORING_WORKERS = 64;

/** Options of {@link startScoringWorkers}: the scoring server's serializable options, and how many processes. */
export interface ScoringWorkersOptions extends SerializableServerOptions {
  /** The model: a path, `runs:/…`, `models:/name@alias`… (resolved once, by this process). */
  modelUri: string;
  /** Worker processes (`-w/--workers`, MLflow's `MLFLOW_MODELS_WORKERS`), 1 to 64. */
  workers: number;
  /** Resolves `runs:/` and `models:/` URIs (default: one from the environment). */
  client?: Client;
  /** Where remote models are cached (default: `LABBOOK_MODEL_CACHE` or `~/.cache/labbook/models`). */
  cacheDir?: string;
  /** Which of the model's flavors to load with. */
  flavor?: string;
  /** The folder the workers run in, where they discover flavor plugins (default: this process's). */
  cwd?: string;
}

/** Scoring workers that listen. */
export interface RunningScoringWorkers {
  /** Base URL, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** The local folder the workers loaded the model from. */
  modelDir: string;
  /** Lets every worker finish its requests in flight and close its model, then resolves. */
  close(): Promise<void>;
}

/** dist/scoring-worker.js of this package, from its source or its build alike. */
function workerEntry(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const entry = join(dir, 'dist', 'scoring-worker.js');
  if (!existsSync(entry))
    throw new LabbookError('INTERNAL_ERROR', `The scoring worker entry ${entry} is missing: build @labbook/server (pnpm build).`);
  return entry;
}

function workerCount(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_SCORING_WORKERS)
    throw new LabbookError('INVALID_PARAMETER_VALUE', `workers must be a whole number from 1 to ${MAX_SCORING_WORKERS}; got ${value}.`);
  return value;
}

/**
 * Serves a model from `workers` processes on one port, as `mlflow models serve --workers` does;
 * resolves once every worker has loaded the model and listens.
 *
 * node:cluster runs one primary per process, so call this once per process. Options that are
 * functions or live objects (a loaded model, plugins, auth callbacks) cannot cross into the
 * workers; they find flavors the way `loadModel` does by default.
 *
 * ```ts
 * const server = await startScoringWorkers({ modelUri: 'models:/iris@champion', port: 5001, workers: 4 });
 * await server.close();
 * ```
 */
export async function startScoringWorkers(options: ScoringWorkersOptions): Promise<RunningScoringWorkers> {
  const count = workerCount(options.workers);
  if (!cluster.isPrimary)
    throw new LabbookError('INVALID_STATE', 'startScoringWorkers runs in a primary process, not in a cluster worker.');
  const entry = workerEntry();
  const client = options.client ?? new Client();
  const modelDir = await localModelDir(options.modelUri, client, options.cacheDir);
  const server: SerializableServerOptions = {};
  for (const key of SERIALIZABLE_SERVER_OPTIONS) if (options[key] !== undefined) Object.assign(server, { [key]: options[key] });
  const workerOptions: WorkerOptions = { modelDir, server, ...(options.flavor ? { flavor: options.flavor } : {}) };
  cluster.setupPrimary({ exec: entry, args: [], ...(options.cwd ? { cwd: options.cwd } : {}) });

  const workers = new Set<Worker>();
  /** Workers that said `ready`: only they listen for messages (one sent while a worker still loads is lost). */
  const ready = new WeakSet<Worker>();
  let closing = false;

  /** Forks a worker; resolves with the URL it listens at, or rejects with why it could not start. */
  const fork = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ [WORKER_OPTIONS_ENV]: JSON.stringify(workerOptions) });
      workers.add(worker);
      let started = false;
      let failure: LabbookError | undefined;
      worker.on('message', (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        if (message.type === 'ready') {
          started = true;
          ready.add(worker);
          // A replacement that finished loading after close() began is asked to stop now.
          if (closing) worker.send(SHUTDOWN);
          resolve(message.url);
        } else failure = new LabbookError(message.code as ErrorCode, `A scoring worker could not start: ${message.message}`);
      });
      worker.on('exit', (code, signal) => {
        workers.delete(worker);
        if (!started) {
          reject(
            failure ?? new LabbookError('INTERNAL_ERROR', `A scoring worker exited (${signal ?? `code ${code}`}) before it listened.`),
          );
          return;
        }
        if (closing) return;
        // A worker that dies while serving (out of memory, a crash in a native runtime) is replaced.
        process.stderr.write(`labbook: scoring worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another\n`);
        fork().catch((error: unknown) => process.stderr.write(`labbook: could not replace the worker: ${(error as Error).message}\n`));
      });
    });

  const stopAll = async (): Promise<void> => {
    closing = true;
    const exits = [...workers].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          w.once('exit', () => resolve());
          // Workers still loading get the message when they say `ready`; one that fails exits anyway.
          if (!ready.has(w)) return;
          // A worker that cannot take the message (already disconnecting) is stopped by signal.
          try {
            w.send(SHUTDOWN);
          } catch {
            w.kill('SIGKILL');
          }
        }),
    );
    await Promise.all(exits);
  };

  let urls: string[];
  try {
    urls = await Promise.all(Array.from({ length: count }, fork));
  } catch (error) {
    await stopAll();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    url: urls[0]!,
    modelDir,
    close: () => {
      closed ??= stopAll();
      return closed;
    },
  };
}
