/**
 * The web UI in headless Chromium over 10,000 runs and a 1,000,000-point metric:
 *   node test/bench/run.mjs ui
 * Prints the time from navigation to the runs table's first rows (targets < 1.5 s), cold (the
 * server's first search reads every run) and warm, and the time to chart the 1M-point metric: request
 * to canvas drawn (target < 500 ms), with the server's read + min/max bucketing and uPlot's draw shown
 * apart, for a history the server has not parsed yet, one it has cached, and one that grew since.
 * Then the same chart timed from outside the page as a user sees it: from the click on the run's
 * Charts tab to the chart drawn, each time on a freshly started server (new stores, so nothing of the
 * history is cached or parsed yet), target <= 500 ms. Needs the UI built (`pnpm bench` builds it).
 */
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileRegistryStore, FileTrackingStore, LocalArtifactRepository } from '../../plugins/file/src/index.js';
import { startServer } from '../../packages/server/src/index.js';
import { launchBrowser } from '../harness/browser.js';

const RUNS = 10_000;
const POINTS = 1_000_000;
const uiDir = join(import.meta.dirname, '..', '..', 'packages', 'ui', 'dist');
if (!existsSync(join(uiDir, 'index.html'))) throw new Error(`UI not built at ${uiDir}: run pnpm --filter @labbook/ui build`);

const root = mkdtempSync(join(tmpdir(), 'labbook-ui-bench-'));
const tracking = new FileTrackingStore({ root: join(root, 'mlruns'), fsync: false });
const seedStart = performance.now();
const experimentId = await tracking.createExperiment('ui-bench');
const t0 = Date.now();
const seedRun = async (i: number) => {
  const run = await tracking.createRun({ experimentId, startTime: t0 - i * 1000, runName: `run-${i}`, tags: [] });
  await tracking.logBatch(run.info.runId, {
    params: [
      { key: 'lr', value: String(0.001 * ((i % 10) + 1)) },
      { key: 'batch_size', value: String(32 << (i % 4)) },
    ],
    metrics: [
      { key: 'accuracy', value: Math.random(), timestamp: t0, step: 10 },
      { key: 'loss', value: Math.random() * 2, timestamp: t0, step: 10 },
    ],
    tags: [],
  });
};
// Several runs in flight at once: each is a handful of small files, so the seed waits on the disk
// less than one at a time would.
const SEED_CONCURRENCY = 16;
let nextRun = 0;
await Promise.all(
  Array.from({ length: SEED_CONCURRENCY }, async () => {
    while (nextRun < RUNS) await seedRun(nextRun++);
  }),
);
const runsSeeded = performance.now();
console.log(`seeded ${RUNS.toLocaleString()} runs in ${((runsSeeded - seedStart) / 1000).toFixed(1)} s`);
const big = await tracking.createRun({ experimentId: '0', startTime: t0, runName: 'long-history', tags: [] });
for (let start = 0; start < POINTS; start += 1000) {
  await tracking.logBatch(big.info.runId, {
    metrics: Array.from({ length: 1000 }, (_, j) => ({
      key: 'loss',
      value: Math.sin((start + j) / 5000) + Math.random() * 0.1,
      timestamp: t0 + start + j,
      step: start + j,
    })),
    params: [],
    tags: [],
  });
}
console.log(`seeded one ${POINTS.toLocaleString()}-point metric in ${((performance.now() - runsSeeded) / 1000).toFixed(1)} s`);

const server = await startServer({
  port: 0,
  logger: false,
  uiDir,
  trackingStore: new FileTrackingStore({ root: join(root, 'mlruns'), fsync: false }),
  registryStore: new FileRegistryStore({ root: join(root, 'mlruns'), fsync: false }),
  artifactRepository: new LocalArtifactRepository(join(root, 'mlartifacts')),
});
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const firstRows = async () => {
    await page.goto('about:blank');
    const started = performance.now();
    await page.goto(`${server.url}/#/experiments/${experimentId}`);
    await page.locator('tr[data-run-id]').first().waitFor();
    return performance.now() - started;
  };
  const cold = await firstRows();
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push(await firstRows());
  warm.sort((a, b) => a - b);
  const rendered = await page.locator('tr[data-run-id]').count();
  console.log(
    `ui: runs table first render with ${RUNS.toLocaleString()} runs: cold ${cold.toFixed(0)} ms (the server's first search reads every run), warm median ${warm[2]!.toFixed(0)} ms (target < 1500 ms); ${rendered} rows in the DOM`,
  );
  // Scrolling to the end pages in the rest from the server without growing the DOM.
  const scrollStart = performance.now();
  for (let i = 0; i < 60 && (await page.locator('.count').textContent())?.includes('more'); i++) {
    await page.locator('.virtual').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForTimeout(50);
  }
  console.log(
    `ui: scrolled through all runs in ${((performance.now() - scrollStart) / 1000).toFixed(1)} s: ${(await page.locator('.count').textContent())?.trim()}, ${await page.locator('tr[data-run-id]').count()} rows in the DOM`,
  );

  // Four ways a chart is viewed, three times each (median printed): the server's parsed-history
  // cache empty (the history file replaced by an identical copy, a new inode, before each view, so
  // every view parses it whole: what the first view of a history costs), unchanged since the last
  // view (served from the cache), and grown by 1,000 points since (a run still logging: only the new
  // lines are parsed).
  const metricFile = join(root, 'mlruns', '0', big.info.runId, 'metrics', 'loss');
  const uncache = () => {
    copyFileSync(metricFile, `${metricFile}.copy`);
    renameSync(`${metricFile}.copy`, metricFile);
  };
  let grownBy = 0;
  const grow = () =>
    tracking
      .logBatch(big.info.runId, {
        metrics: Array.from({ length: 1000 }, (_, j) => ({
          key: 'loss',
          value: Math.random(),
          timestamp: t0 + POINTS + grownBy + j,
          step: POINTS + grownBy + j,
        })),
        params: [],
        tags: [],
      })
      .then(() => {
        grownBy += 1000;
      });
  const serverOnce = async () => {
    const s = performance.now();
    const r = await fetch(`${server.url}/ajax-api/2.0/labbook/metrics/downsampled?run_id=${big.info.runId}&metric_key=loss&buckets=1500`);
    await r.json();
    return performance.now() - s;
  };
  const chartOnce = async () => {
    // A new document each time: going to the same address with only the hash changed would keep
    // the page, and the figure already drawn would be read again.
    await page.goto('about:blank');
    await page.goto(`${server.url}/#/runs/${big.info.runId}`);
    await page.getByRole('tab', { name: /Charts/ }).click();
    const fig = page.locator('.metric-chart[data-metric="loss"][data-total-ms]');
    await fig.waitFor();
    return { total: Number(await fig.getAttribute('data-total-ms')), draw: Number(await fig.getAttribute('data-draw-ms')) };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const views = async (before: () => unknown) => {
    const server: number[] = [];
    const total: number[] = [];
    const draw: number[] = [];
    for (let i = 0; i < 3; i++) {
      await before();
      server.push(await serverOnce());
      await before();
      const c = await chartOnce();
      total.push(c.total);
      draw.push(c.draw);
    }
    return { server: median(server), total: median(total), draw: median(draw) };
  };
  const uncached = await views(uncache);
  const cached = await views(() => undefined);
  const growing = await views(grow);
  const line = (what: string, v: { server: number; total: number; draw: number }) =>
    `ui: chart of a ${POINTS.toLocaleString()}-point metric, ${what}: ${v.total.toFixed(0)} ms from request to drawn (target < 500 ms); server read + min/max bucketing to 1,500 buckets alone ${v.server.toFixed(0)} ms, uPlot draw ${v.draw.toFixed(1)} ms`;
  console.log(line('history not cached (first view)', uncached));
  console.log(line('history cached (unchanged since)', cached));
  console.log(line('history grown by 1,000 points since', growing));

  // Click to drawn, measured by the test driver rather than by the page: it includes the tab's
  // render, the request, the server's read and bucketing, the JSON and uPlot's draw.
  const clickToChart = async () => {
    const fresh = await startServer({
      port: 0,
      logger: false,
      uiDir,
      trackingStore: new FileTrackingStore({ root: join(root, 'mlruns'), fsync: false }),
      registryStore: new FileRegistryStore({ root: join(root, 'mlruns'), fsync: false }),
      artifactRepository: new LocalArtifactRepository(join(root, 'mlartifacts')),
    });
    try {
      await page.goto('about:blank');
      await page.goto(`${fresh.url}/#/runs/${big.info.runId}`);
      const tab = page.getByRole('tab', { name: /Charts/ });
      await tab.waitFor();
      const started = performance.now();
      await tab.click();
      await page.locator('.metric-chart[data-metric="loss"] .chart[data-drawn]').waitFor();
      return performance.now() - started;
    } finally {
      await fresh.close();
    }
  };
  const clicks: number[] = [];
  for (let i = 0; i < 5; i++) clicks.push(await clickToChart());
  console.log(
    `ui: Charts tab of a run with one ${POINTS.toLocaleString()}-point metric, click to chart drawn on a fresh server (history not parsed yet): median of 5 ${median(clicks).toFixed(0)} ms (target <= 500 ms); all ${clicks.map((c) => c.toFixed(0)).join(', ')} ms`,
  );
} finally {
  await browser.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
}
