/**
 * The entry of one worker process of `startScoringWorkers` (built to dist/scoring-worker.js and
 * forked by node:cluster): loads the model folder the primary resolved, serves it on the shared
 * port, and says `ready` or `failed` over IPC. It exits when the primary asks it to, after the
 * requests in flight, and also when the primary is gone, so no worker outlives its server.
 */
import cluster from 'node:cluster';
import { LabbookError, loadModel } from '@labbook/core';
import { startScoringServer } from './scoring/scoring-server.js';
import { SHUTDOWN, WORKER_OPTIONS_ENV, type WorkerMessage, type WorkerOptions } from './scoring/worker-protocol.js';

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

let stop: (() => void) | undefined;
// The primary sends SHUTDOWN only after `ready` (a message that comes before a listener is lost).
process.on('message', (message) => {
  if (message === SHUTDOWN) stop?.();
});
// The primary is gone: nobody would ever stop this worker.
process.on('disconnect', () => (stop ? stop() : process.exit(0)));
// Signals go to the primary, which shuts the workers down in order.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

async function main(): Promise<void> {
  if (!cluster.isWorker) throw new LabbookError('INVALID_STATE', 'scoring-worker.js is started by startScoringWorkers, not on its own.');
  const options = JSON.parse(process.env[WORKER_OPTIONS_ENV] ?? '{}') as WorkerOptions;
  const model = await loadModel(options.modelDir, options.flavor ? { flavor: options.flavor } : {});
  const server = await startScoringServer({ model, ...options.server });
  let stopping: Promise<void> | undefined;
  // The exit is explicit: a flavor's native threads (onnxruntime) must not keep the process up.
  stop = () => {
    stopping ??= server
      .close()
      .then(() => model.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  await send({ type: 'ready', url: server.url });
}

main().catch(async (error: unknown) => {
  const code = LabbookError.is(error) ? error.code : 'INTERNAL_ERROR';
  const message = error instanceof Error ? error.message : String(error);
  // Started by hand there is no primary to tell: say it here.
  if (!process.send) process.stderr.write(`labbook: ${code}: ${message}\n`);
  await send({ type: 'failed', code, message });
  process.exit(1);
});
