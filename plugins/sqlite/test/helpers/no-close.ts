// Opens a store, logs a run and ends without close(), as MLflow scripts do: the process must exit by itself.
import { SqliteTrackingStore } from '../../src/index.js';

const store = new SqliteTrackingStore({ uri: process.argv[2]! });
const run = await store.createRun({ experimentId: '0', runName: 'no-close' });
await store.logBatch(run.info.runId, { metrics: [{ key: 'loss', value: 0.5, timestamp: Date.now(), step: 1 }], params: [], tags: [] });
process.stdout.write(`${run.info.runId}\n`);
