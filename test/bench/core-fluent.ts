// The caller's cost of one fluent logMetric call, amortised over 100,000 calls (target < 5 µs),
// on the file store in a temp folder; and the time until those points are stored (flush).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, endRun, flush, logMetric, setTrackingUri, startRun } from 'labbook';

const dir = mkdtempSync(join(tmpdir(), 'labbook-bench-fluent-'));
setTrackingUri(join(dir, 'mlruns'));
const N = 100_000;

const run = await startRun({ runName: 'bench' });
for (let i = 0; i < 2000; i++) logMetric('warmup', i, { step: i });
await flush();

const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) logMetric('loss', 1 / (i + 1), { step: i });
const t1 = process.hrtime.bigint();
await flush();
const t2 = process.hrtime.bigint();
await endRun();

const perCallUs = Number(t1 - t0) / 1000 / N;
const totalMs = Number(t2 - t0) / 1e6;
const stored = (await new Client({ trackingUri: join(dir, 'mlruns') }).getMetricHistory(run.runId, 'loss')).length;
console.log(`fluent logMetric: caller cost ${perCallUs.toFixed(2)} µs/call over ${N} calls (target < 5 µs)`);
console.log(
  `fluent logMetric: ${N} points stored in ${totalMs.toFixed(0)} ms including flush = ${Math.round(N / (totalMs / 1000))} points/s (stored ${stored})`,
);
rmSync(dir, { recursive: true, force: true });
