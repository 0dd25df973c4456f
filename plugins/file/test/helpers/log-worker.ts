// A child process that logs into a file store and prints an acknowledgement after each awaited write,
// used by the concurrency and crash tests: `node --import tsx log-worker.ts <mode> <root> <runId> <worker> <n>`.
import { FileTrackingStore } from '../../src/index.js';

const [mode, root, runId, worker, n] = process.argv.slice(2) as [string, string, string, string, string];
const store = new FileTrackingStore({ root, onWarning: (m) => process.stderr.write(`warning: ${m}\n`) });
const count = Number(n);
const out = (line: string) => process.stdout.write(`${line}\n`);

if (mode === 'concurrent') {
  const exp = await store.createExperiment(`worker-${worker}`);
  const own = await store.createRun({ experimentId: exp });
  for (let i = 0; i < count; i++) {
    const metrics = [];
    for (let j = 0; j < 5; j++) {
      metrics.push({ key: 'shared', value: i * 5 + j + 0.25, timestamp: Date.now(), step: Number(worker) * 1_000_000 + i * 5 + j });
    }
    metrics.push({ key: `w${worker}/own`, value: i, timestamp: Date.now(), step: i });
    await store.logBatch(runId, {
      metrics,
      params: [
        { key: `p${worker}_${i}`, value: String(i) },
        { key: 'same', value: 'identical' },
      ],
      tags: [{ key: 'last_writer', value: worker }],
    });
    await store.logBatch(own.info.runId, { metrics: [{ key: 'm', value: i, timestamp: Date.now(), step: i }] });
  }
  out('done');
} else if (mode === 'samename') {
  try {
    await store.createExperiment('one-name');
    out('created');
  } catch (error) {
    out((error as { code?: string }).code ?? String(error));
  }
} else if (mode === 'meta') {
  // Each worker changes one field of the same meta.yaml over and over.
  for (let i = 0; i < count; i++) {
    if (worker === '0') await store.updateRunInfo(runId, { runName: `name-${i}` });
    else await store.updateRunInfo(runId, { endTime: i, status: i % 2 ? 'FINISHED' : 'RUNNING' });
  }
  out('done');
} else if (mode === 'crash') {
  // Runs until killed; mixes appends, atomic tag rewrites and meta.yaml rewrites.
  for (let i = 0; ; i++) {
    await store.logBatch(runId, {
      metrics: [
        { key: 'loss', value: 1 / (i + 1), timestamp: Date.now(), step: Number(worker) * 1_000_000 + i },
        { key: 'nested/acc', value: i, timestamp: Date.now(), step: Number(worker) * 1_000_000 + i },
      ],
      tags: [{ key: 'progress', value: `${worker}:${i}`.repeat(50) }],
      params: [{ key: `p${worker}_${i}`, value: String(i) }],
    });
    out(`ack ${i}`);
    if (i % 7 === 0) {
      await store.updateRunInfo(runId, { runName: `crash-${worker}-${i}` });
      out(`name ${i}`);
    }
  }
}
