// The complete fluent API (images over steps, tables, datasets, figures, experiment tags, flat
// search, top-level run and registry calls) and system metrics, end to end through the built
// `labbook` package: images round-trip through the file store, MySQL and a labbook server.
import { join } from 'node:path';
import {
  Client,
  decodeImage,
  deleteRun,
  encodePng,
  getExperimentByName,
  getRun,
  LabbookError,
  logFigure,
  logImage,
  logInput,
  logMetric,
  logParam,
  logTable,
  parseImageArtifactName,
  registerModel,
  resetFluentState,
  resetSystemMetricsSettings,
  searchRuns,
  setExperiment,
  setExperimentTags,
  setSystemMetricsSamplingInterval,
  setTrackingUri,
  startRun,
  endRun,
  withRun,
} from 'labbook';
import { beforeEach, describe, expect, it } from 'vitest';
import { startBackends } from './harness/backends.js';

const { dir, mysql, server } = await startBackends('fluent-media');

function frame(step: number): Uint8Array {
  const w = 40;
  const h = 30;
  const d = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) d.set([(i + step * 40) % 256, step * 50, 255 - step * 40, 255], i * 4);
  return encodePng({ width: w, height: h, data: d });
}

const backends: { name: string; uri: () => string | undefined; artifactLocation?: () => string }[] = [
  { name: 'file store', uri: () => join(dir, 'mlruns') },
  { name: 'MySQL', uri: () => mysql?.url, artifactLocation: () => join(dir, 'mysql-artifacts') },
  { name: 'labbook server', uri: () => server?.url },
];

describe.each(backends)('images over 5 steps round-trip through the $name', ({ name, uri, artifactLocation }) => {
  it('writes MLflow names, a WebP thumbnail and the loggedImages tag, and reads back the same pixels', async (ctx) => {
    const trackingUri = uri();
    if (!trackingUri) return ctx.skip(`${name} unavailable`);
    resetFluentState();
    setTrackingUri(trackingUri);
    const client = new Client({ trackingUri });
    const expName = `images-${Math.random().toString(36).slice(2)}`;
    const experimentId = await client.createExperiment(expName, artifactLocation ? { artifactLocation: artifactLocation() } : {});
    const runId = await withRun(
      async (run) => {
        for (let step = 0; step < 5; step++) await logImage(frame(step), { key: 'samples/recon', step, timestamp: 1700000000000 + step });
        return run.runId;
      },
      { experimentId },
    );
    const files = (await client.listArtifacts(runId, 'images')).map((f) => f.path);
    const parsed = files.map((f) => ({ f, p: parseImageArtifactName(f) }));
    expect(parsed.every((x) => x.p !== null)).toBe(true);
    const full = parsed.filter((x) => !x.p!.compressed).sort((a, b) => a.p!.step - b.p!.step);
    const thumbs = parsed.filter((x) => x.p!.compressed);
    expect(full.map((x) => x.p!.step)).toEqual([0, 1, 2, 3, 4]);
    expect(thumbs).toHaveLength(5);
    for (const x of full) {
      expect(x.f).toMatch(/^images\/samples#recon%step%\d%timestamp%170000000000\d%[g-z][0-9a-f-]{35}\.png$/);
      expect(x.p!.key).toBe('samples/recon');
      const chunks: Buffer[] = [];
      for await (const c of await client.openArtifact(runId, x.f)) chunks.push(c as Buffer);
      expect(decodeImage(new Uint8Array(Buffer.concat(chunks))).data).toEqual(decodeImage(frame(x.p!.step)).data);
      expect(thumbs.some((t) => t.f === x.f.replace(/\.png$/, '%compressed.webp'))).toBe(true);
    }
    const run = await client.getRun(runId);
    expect(run.data.tags.find((t) => t.key === 'mlflow.loggedImages')?.value).toBe('True');
  });
});

describe('fluent API additions (file store)', () => {
  const store = join(dir, 'fluent-mlruns');
  beforeEach(() => {
    resetFluentState();
    setTrackingUri(store);
  });

  it('rejects bad image input with typed errors', async () => {
    await withRun(async () => {
      for (const [image, opts] of [
        [new TextEncoder().encode('hello'), { key: 'a' }],
        [{ data: new Uint8Array(7), width: 2, height: 2 }, { key: 'a' }],
        [frame(0), { key: 'a/../../etc' }],
        [frame(0), { key: 'a', artifactFile: 'x.png' }],
      ] as const) {
        const e = await logImage(image as never, opts as never).catch((x) => x);
        expect(LabbookError.is(e) && e.code).toBe('INVALID_PARAMETER_VALUE');
      }
      expect(await logImage(frame(1), { artifactFile: 'static/one.png' })).toEqual({ artifactFile: 'static/one.png' });
    });
  });

  it('logTable appends rows in MLflow format and lists the table once in mlflow.loggedArtifacts', async () => {
    const client = new Client({ trackingUri: store });
    const runId = await withRun(async (run) => {
      await logTable([{ a: 1, b: 'x' }], 'eval/table.json');
      await logTable({ a: [2], c: [true] }, 'eval/table.json');
      return run.runId;
    });
    expect(JSON.parse(await client.readArtifactText(runId, 'eval/table.json'))).toEqual({
      columns: ['a', 'b', 'c'],
      data: [
        [1, 'x', null],
        [2, null, true],
      ],
    });
    const run = await client.getRun(runId);
    expect(JSON.parse(run.data.tags.find((t) => t.key === 'mlflow.loggedArtifacts')!.value)).toEqual([
      { path: 'eval/table.json', type: 'table' },
    ]);
    await expect(withRun(() => logTable([], 'bad:name.json'))).rejects.toThrow(/may not contain/);
  });

  it('logInput stores a dataset with a digest, schema, profile and context', async () => {
    const client = new Client({ trackingUri: store });
    const rows = [
      { x: 1.5, y: 0 },
      { x: 2.5, y: 1 },
    ];
    const runId = await withRun(async (run) => {
      await logInput({ name: 'train', rows }, { context: 'training' });
      return run.runId;
    });
    const run = await client.getRun(runId);
    const input = run.inputs.datasetInputs[0]!;
    expect(input.dataset.name).toBe('train');
    expect(input.dataset.digest).toMatch(/^[0-9a-f]{8}$/);
    expect(JSON.parse(input.dataset.profile!)).toEqual({ num_rows: 2, num_elements: 4 });
    expect(JSON.parse(input.dataset.schema!).mlflow_colspec[0]).toEqual({ type: 'double', name: 'x', required: true });
    expect(input.tags).toContainEqual({ key: 'mlflow.data.context', value: 'training' });
  });

  it('logFigure stores SVG and Vega-Lite as files a browser renders', async () => {
    const client = new Client({ trackingUri: store });
    const runId = await withRun(async (run) => {
      await logFigure('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>', 'fig.svg');
      await logFigure(
        { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', mark: 'bar', data: { values: [{ a: 1 }] } },
        'fig.html',
      );
      await logFigure({ mark: 'line' }, 'fig.vl.json');
      await expect(logFigure('not svg', 'x.svg')).rejects.toThrow(/SVG/);
      return run.runId;
    });
    expect(await client.readArtifactText(runId, 'fig.svg')).toContain('<svg');
    expect(await client.readArtifactText(runId, 'fig.html')).toContain('vegaEmbed');
    expect(JSON.parse(await client.readArtifactText(runId, 'fig.vl.json'))).toEqual({ mark: 'line' });
  });

  it('setExperimentTags, searchRuns flat rows with toCSV, getRun, getExperimentByName, deleteRun', async () => {
    const exp = await setExperiment('flat-search');
    await setExperimentTags({ team: 'vision', stage: 'dev' });
    expect((await getExperimentByName('flat-search'))!.tags).toEqual(expect.arrayContaining([{ key: 'team', value: 'vision' }]));
    const ids: string[] = [];
    for (const lr of [0.1, 0.01]) {
      await withRun(async (run) => {
        ids.push(run.runId);
        await logParam('lr', lr);
        logMetric('loss', lr * 10);
      });
    }
    const rows = await searchRuns({ orderBy: ['metrics.loss ASC'] });
    expect(rows.map((r) => r.run_id)).toEqual([ids[1], ids[0]]);
    expect(rows[0]).toMatchObject({ 'params.lr': '0.01', 'metrics.loss': 0.1, status: 'FINISHED', experiment_id: exp.experimentId });
    expect(typeof rows[0]!.start_time).toBe('number');
    const csv = rows.toCSV().split('\n');
    expect(csv[0]!.split(',').slice(0, 8)).toEqual([
      'run_id',
      'experiment_id',
      'status',
      'artifact_uri',
      'start_time',
      'end_time',
      'metrics.loss',
      'params.lr',
    ]);
    expect(csv[1]).toContain(ids[1]);
    expect((await getRun(ids[0]!)).info.runId).toBe(ids[0]);
    await deleteRun(ids[0]!);
    expect((await searchRuns()).map((r) => r.run_id)).toEqual([ids[1]]);
  });

  it('registerModel at the top level', async () => {
    const runId = await withRun(async (run) => run.runId);
    const mv = await registerModel(`runs:/${runId}/model`, 'flat-model');
    expect(mv).toMatchObject({ name: 'flat-model', version: '1' });
  });
});

describe('system metrics through startRun', () => {
  const store = join(dir, 'sysmetrics-mlruns');
  beforeEach(() => {
    resetFluentState();
    resetSystemMetricsSettings();
    setTrackingUri(store);
  });

  it('logs system/* metrics at the configured interval and stops with the run', async () => {
    setSystemMetricsSamplingInterval(0.1);
    const client = new Client({ trackingUri: store });
    const run = await startRun({ logSystemMetrics: true });
    await new Promise((r) => setTimeout(r, 650));
    await endRun();
    const history = await client.getMetricHistory(run.runId, 'system/cpu_utilization_percentage');
    // 6 ticks in 650 ms at 100 ms; late timers (a loaded machine) may drop some, never add.
    expect(history.length).toBeGreaterThanOrEqual(3);
    expect(history.length).toBeLessThanOrEqual(6);
    expect(history.map((m) => m.step)).toEqual([...Array(history.length).keys()]);
    const ended = await client.getRun(run.runId);
    for (const m of history) expect(m.timestamp).toBeLessThanOrEqual(ended.info.endTime!);
    const keys = ended.data.metrics.map((m) => m.key);
    expect(keys).toEqual(
      expect.arrayContaining(['system/system_memory_usage_megabytes', 'system/disk_usage_percentage', 'system/disk_available_megabytes']),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await client.getMetricHistory(run.runId, 'system/cpu_utilization_percentage')).toHaveLength(history.length);
  });

  it('is off unless asked, and MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING turns it on', async () => {
    setSystemMetricsSamplingInterval(0.05);
    const client = new Client({ trackingUri: store });
    const off = await withRun(async (r) => {
      await new Promise((res) => setTimeout(res, 200));
      return r.runId;
    });
    expect((await client.getRun(off)).data.metrics).toEqual([]);
    process.env.MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING = 'true';
    try {
      const on = await withRun(async (r) => {
        await new Promise((res) => setTimeout(res, 200));
        return r.runId;
      });
      expect((await client.getRun(on)).data.metrics.some((m) => m.key.startsWith('system/'))).toBe(true);
    } finally {
      delete process.env.MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING;
    }
  });
});
