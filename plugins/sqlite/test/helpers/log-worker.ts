// A writer process for the concurrency test: logs batches into one run through its own connection.
import { SqliteTrackingStore } from '../../src/index.js';

const [uri, runId, worker, batches] = process.argv.slice(2) as [string, string, string, string];
const store = new SqliteTrackingStore({ uri });
const w = Number(worker);
await store.createExperiment(`worker-${w}`);
for (let b = 0; b < Number(batches); b++) {
  const base = (w * Number(batches) + b) * 5;
  await store.logBatch(runId, {
    metrics: [
      ...Array.from({ length: 5 }, (_, i) => ({ key: 'shared', value: base + i + 0.25, timestamp: 1000 + b, step: base + i })),
      { key: `w${w}/own`, value: b, timestamp: 1000 + b, step: b },
    ],
    params: [
      { key: `w${w}_${b}`, value: String(b) },
      { key: 'common', value: 'same' },
    ],
    tags: [{ key: 'last', value: String(w) }],
  });
}
await store.close();
