// TF.js autolog overhead and the system-metrics sampler's CPU cost, on the embedded file store.
// 1. fit of a small model for 20 epochs, with and without the labbook callback, alternating, 21 rounds,
//    all inside one run (goal: median with-callback time <= 2% above without). Wall time and the
//    process's CPU time are both reported: on a loaded machine CPU time is the steadier of the two.
//    LABBOOK_TFJS_BASELINE=<dir of an older packages/tfjs/dist> adds that build's callback to each
//    round, so a change is measured before/after in the same process.
// 2. CPU time the sampler costs per minute of sampling, from process.cpuUsage() around a sampled window.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { endRun, setTrackingUri, startRun, SystemMetricsMonitor } from 'labbook';

const pluginDir = join(import.meta.dirname, '..', '..', 'packages', 'tfjs');
// biome-ignore lint/suspicious/noExplicitAny: TF.js resolves from the plugin's folder, not test/'s, so its types are not at hand here
const tf: any = await import(pathToFileURL(join(pluginDir, 'node_modules', '@tensorflow', 'tfjs', 'dist', 'tf.node.js')).href);
const { labbookCallback } = await import(pathToFileURL(join(pluginDir, 'dist', 'index.js')).href);
const baselineDir = process.env.LABBOOK_TFJS_BASELINE;
const baseline = baselineDir
  ? ((await import(pathToFileURL(join(baselineDir, 'index.js')).href)).labbookCallback as typeof labbookCallback)
  : undefined;

const dir = mkdtempSync(join(tmpdir(), 'labbook-bench-tfjs-'));
setTrackingUri(join(dir, 'mlruns'));
await tf.setBackend('cpu');
const warn = console.warn;
console.warn = () => undefined; // TF.js's "install tfjs-node" banner

const n = 512;
const xs = tf.randomNormal([n, 16], 0, 1, 'float32', 1);
const ys = tf.oneHot(
  tf.tensor1d(
    Array.from({ length: n }, (_, i) => i % 4),
    'int32',
  ),
  4,
);
function model() {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 32, activation: 'relu', inputShape: [16] }));
  m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

// A fit's wall time varies by +-15% here from round to round: 21 rounds give a median steady to ~2%.
const ROUNDS = 21;

type Variant = 'without' | 'with' | 'baseline';
async function fitOnce(variant: Variant): Promise<{ wall: number; cpu: number }> {
  const m = model();
  const make = variant === 'baseline' ? baseline! : labbookCallback;
  const callbacks = variant === 'without' ? {} : { callbacks: [make({ logModelSummary: false })] };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await m.fit(xs, ys, { epochs: 20, batchSize: 32, verbose: 0, ...callbacks });
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  m.dispose();
  // Every variant then pauses alike: the metrics queued during a fit are written in the background
  // afterwards (as they are when a script's fit ends), and without a pause that I/O lands in the
  // next fit's timing, whichever variant it is (measured: +10-17% charged to the callback
  // back-to-back, +0.4% with the pause).
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const variants: Variant[] = baseline ? ['without', 'baseline', 'with'] : ['without', 'with'];
await startRun({ runName: 'bench-tfjs' });
for (const v of variants) await fitOnce(v); // warm-up: kernels, JIT
const results: Record<Variant, { wall: number[]; cpu: number[] }> = {
  without: { wall: [], cpu: [] },
  with: { wall: [], cpu: [] },
  baseline: { wall: [], cpu: [] },
};
for (let i = 0; i < ROUNDS; i++) {
  // Rotate the order so no variant always runs right after another.
  for (const v of variants.map((_, j) => variants[(i + j) % variants.length]!)) {
    const r = await fitOnce(v);
    results[v].wall.push(r.wall);
    results[v].cpu.push(r.cpu);
  }
}
await endRun();
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const pct = (a: number[], b: number[]): string => `${((median(a) / median(b) - 1) * 100).toFixed(2)}%`;
console.log(`fit 20 epochs (512 samples, batch 32), median of ${ROUNDS} rotating rounds (goal: callback <= 2% over bare fit):`);
for (const v of variants) {
  const r = results[v];
  const over = v === 'without' ? '' : `, overhead wall ${pct(r.wall, results.without.wall)}, cpu ${pct(r.cpu, results.without.cpu)}`;
  const label = v === 'without' ? 'bare fit' : v === 'with' ? 'callback (this build)' : 'callback (baseline build)';
  console.log(`  ${label.padEnd(26)} wall ${median(r.wall).toFixed(1)} ms, cpu ${median(r.cpu).toFixed(1)} ms${over}`);
  console.log(`    all wall: ${r.wall.map((x) => x.toFixed(0)).join(' ')}`);
}

// Sampler cost: sample every 100 ms for 3 s (30 samples), scale to the default 10 s interval per minute.
let sent = 0;
const monitor = new SystemMetricsMonitor(
  async (ms) => {
    sent += ms.length;
  },
  { samplingIntervalSeconds: 0.1 },
);
const before = process.cpuUsage();
const w0 = performance.now();
monitor.start();
await new Promise((r) => setTimeout(r, 3000));
await monitor.stop();
const used = process.cpuUsage(before);
const seconds = (performance.now() - w0) / 1000;
const cpuMsPerSample = (used.user + used.system) / 1000 / (seconds / 0.1);
console.log(
  `system metrics sampler: ${(((used.user + used.system) / 1000 / seconds) * 60).toFixed(1)} ms CPU per minute at 100 ms sampling (${cpuMsPerSample.toFixed(2)} ms a sample, ${sent} points sent);`,
);
console.log(`  at MLflow's default 10 s interval: ${(cpuMsPerSample * 6).toFixed(2)} ms CPU per minute`);
console.warn = warn;
rmSync(dir, { recursive: true, force: true });
