// The complete fluent API (images over steps, tables, datasets, figures, experiment tags, flat
// search, top-level run and registry calls) end to end through the built `labbook` package, each
// call on every backend (file store, MySQL, labbook server) with what it stored read back; then
// system metrics (a client-side sampler, so the file store is enough).
import { randomUUID } from 'node:crypto';
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
  logInputs,
  logMetric,
  logParam,
  logTable,
  parseImageArtifactName,
  registerModel,
  resetFluentState,
  resetSystemMetricsSettings,
  type Run,
  searchRuns,
  setExperiment,
  setExperimentTag,
  setExperimentTags,
  setSystemMetricsSamplingInterval,
  setTag,
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

// A strict RFC 4180 reader, so the CSV tests check toCSV's quoting instead of re-deriving it.
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) throw new Error(`CSV does not end with a newline: ${JSON.stringify(text.slice(-40))}`);
  return rows;
}

function tagOf(run: Run, key: string): string | undefined {
  return run.data.tags.find((t) => t.key === key)?.value;
}

async function artifactBytes(client: Client, runId: string, path: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of await client.openArtifact(runId, path)) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

interface Backend {
  name: string;
  uri: string | undefined;
  /** Where experiments put their artifacts when the store's default (MySQL: `./mlruns` of the cwd) would land in the repo. */
  artifactRoot?: string;
}

const backends: Backend[] = [
  { name: 'file store', uri: join(dir, 'mlruns') },
  { name: 'MySQL', uri: mysql?.url, artifactRoot: join(dir, 'mysql-artifacts') },
  { name: 'labbook server', uri: server?.url },
];

describe.each(backends)('the fluent API on the $name', ({ name, uri, artifactRoot }) => {
  let client: Client;
  beforeEach((ctx) => {
    // Only reachable off CI: under CI=true startBackends already failed the file for a missing backend.
    if (!uri) ctx.skip(`${name} unavailable (see the warning above)`);
    resetFluentState();
    setTrackingUri(uri!);
    client = new Client({ trackingUri: uri! });
  });

  // Each test gets its own experiment, so tests on one backend never see each other's runs.
  async function newExperiment(prefix: string): Promise<{ experimentId: string; experimentName: string }> {
    const experimentName = `${prefix}-${randomUUID().slice(0, 8)}`;
    const experimentId = await client.createExperiment(
      experimentName,
      artifactRoot ? { artifactLocation: join(artifactRoot, experimentName) } : {},
    );
    await setExperiment({ experimentId });
    return { experimentId, experimentName };
  }

  it('logImage over 5 steps writes MLflow names, a WebP thumbnail and the loggedImages tag, and reads back the same pixels', async () => {
    await newExperiment('images');
    const runId = await withRun(async (run) => {
      for (let step = 0; step < 5; step++) await logImage(frame(step), { key: 'samples/recon', step, timestamp: 1700000000000 + step });
      return run.runId;
    });
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
      expect(x.p!.timestamp).toBe(1700000000000 + x.p!.step);
      expect(decodeImage(await artifactBytes(client, runId, x.f)).data).toEqual(decodeImage(frame(x.p!.step)).data);
      expect(thumbs.some((t) => t.f === x.f.replace(/\.png$/, '%compressed.webp'))).toBe(true);
    }
    expect(tagOf(await client.getRun(runId), 'mlflow.loggedImages')).toBe('True');
  });

  it('logImage rejects bad input with typed errors and stores a static image under artifactFile', async () => {
    await newExperiment('image-errors');
    const runId = await withRun(async (run) => {
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
      return run.runId;
    });
    expect((await client.listArtifacts(runId)).map((f) => f.path)).toEqual(['static']);
    expect((await client.listArtifacts(runId, 'static')).map((f) => f.path)).toEqual(['static/one.png']);
    expect(decodeImage(await artifactBytes(client, runId, 'static/one.png')).data).toEqual(decodeImage(frame(1)).data);
  });

  it('logTable appends rows in MLflow format and lists each table once in mlflow.loggedArtifacts', async () => {
    await newExperiment('tables');
    const runId = await withRun(async (run) => {
      await logTable([{ a: 1, b: 'x' }], 'eval/table.json');
      await logTable({ a: [2], c: [true] }, 'eval/table.json');
      await logTable({ k: ['p', 'q'], v: [0.5] }, 'other.json');
      return run.runId;
    });
    expect(JSON.parse(await client.readArtifactText(runId, 'eval/table.json'))).toEqual({
      columns: ['a', 'b', 'c'],
      data: [
        [1, 'x', null],
        [2, null, true],
      ],
    });
    expect(JSON.parse(await client.readArtifactText(runId, 'other.json'))).toEqual({
      columns: ['k', 'v'],
      data: [
        ['p', 0.5],
        ['q', null],
      ],
    });
    expect(JSON.parse(tagOf(await client.getRun(runId), 'mlflow.loggedArtifacts')!)).toEqual([
      { path: 'eval/table.json', type: 'table' },
      { path: 'other.json', type: 'table' },
    ]);
    await expect(withRun(() => logTable([], 'bad:name.json'))).rejects.toThrow(/may not contain/);
  });

  it("logInput stores a dataset with MLflow's digest, schema, profile, source and context", async () => {
    const { experimentId } = await newExperiment('input');
    // MLflow's digest of pd.DataFrame(rows) (packages/core/test/fixtures/datasets/digests.json, case "floats").
    const rows = [
      { x: 1.5, y: 0.25 },
      { x: 2.5, y: -3.75 },
      { x: 1e-300, y: 1e300 },
    ];
    const runId = await withRun(async (run) => {
      await logInput({ name: 'train', rows, source: '/data/train.parquet' }, { context: 'training', tags: { split: 'a' } });
      // Same name and digest: MLflow's stores keep the first input of a dataset to a run and drop the repeat.
      await logInput({ name: 'train', rows, source: '/data/train.parquet' }, { context: 'eval' });
      return run.runId;
    });
    const run = await client.getRun(runId);
    expect(run.info.experimentId).toBe(experimentId);
    expect(run.inputs.datasetInputs).toHaveLength(1);
    const input = run.inputs.datasetInputs[0]!;
    expect(input.dataset).toMatchObject({
      name: 'train',
      digest: '898e020a',
      sourceType: 'local',
      source: JSON.stringify({ uri: '/data/train.parquet' }),
    });
    expect(JSON.parse(input.dataset.profile!)).toEqual({ num_rows: 3, num_elements: 6 });
    expect(JSON.parse(input.dataset.schema!)).toEqual({
      mlflow_colspec: [
        { type: 'double', name: 'x', required: true },
        { type: 'double', name: 'y', required: true },
      ],
    });
    expect([...input.tags].sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'mlflow.data.context', value: 'training' },
      { key: 'split', value: 'a' },
    ]);
  });

  it('logInputs stores column, array and prebuilt datasets, each with its context', async () => {
    await newExperiment('inputs');
    const prebuilt = { name: 'given', digest: 'd1g35t', sourceType: 'http', source: '{"url":"https://example.com/d.csv"}' };
    const runId = await withRun(async (run) => {
      await logInputs(
        [
          // MLflow digests (digests.json, cases "columns" and "numpy int32 and uint8").
          { name: 'cols', columns: { z: [1, 2, null], s: ['a', 'b', 'c'], f: [0.5, 1, 2], b: [true, false, true] } },
          {
            name: 'arrays',
            features: { dtype: 'int32', shape: [3], data: [-1, 2, -3] },
            targets: { dtype: 'uint8', shape: [3], data: [0, 255, 7] },
          },
          prebuilt,
        ],
        { contexts: ['eval', 'training', undefined], tags: { batch: '7' } },
      );
      return run.runId;
    });
    const inputs = (await client.getRun(runId)).inputs.datasetInputs;
    const byName = new Map(inputs.map((i) => [i.dataset.name, i]));
    expect([...byName.keys()].sort()).toEqual(['arrays', 'cols', 'given']);
    const sortedTags = (n: string) => [...byName.get(n)!.tags].sort((a, b) => a.key.localeCompare(b.key));
    const cols = byName.get('cols')!;
    expect(cols.dataset).toMatchObject({ digest: '52707f4d', sourceType: 'code' });
    expect(JSON.parse(cols.dataset.profile!)).toEqual({ num_rows: 3, num_elements: 12 });
    expect(JSON.parse(cols.dataset.schema!).mlflow_colspec).toEqual([
      { type: 'long', name: 'z', required: false },
      { type: 'string', name: 's', required: true },
      { type: 'double', name: 'f', required: true },
      { type: 'boolean', name: 'b', required: true },
    ]);
    expect(sortedTags('cols')).toEqual([
      { key: 'batch', value: '7' },
      { key: 'mlflow.data.context', value: 'eval' },
    ]);
    const arrays = byName.get('arrays')!;
    expect(arrays.dataset.digest).toBe('65b279bb');
    expect(JSON.parse(arrays.dataset.profile!)).toEqual({ features_shape: [3], features_size: 3, targets_shape: [3], targets_size: 3 });
    expect(sortedTags('arrays')).toEqual([
      { key: 'batch', value: '7' },
      { key: 'mlflow.data.context', value: 'training' },
    ]);
    expect(byName.get('given')!.dataset).toMatchObject(prebuilt);
    expect(sortedTags('given')).toEqual([{ key: 'batch', value: '7' }]);
  });

  it('logFigure stores SVG and Vega-Lite as files a browser renders, and refuses the rest', async () => {
    await newExperiment('figures');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    const spec = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', mark: 'bar', data: { values: [{ a: '</script>' }] } };
    const runId = await withRun(async (run) => {
      await logFigure(svg, 'plots/fig.svg');
      await logFigure(spec, 'plots/fig.html');
      await logFigure({ mark: 'line' }, 'fig.vl.json');
      await expect(logFigure('not svg', 'x.svg')).rejects.toThrow(/SVG/);
      await expect(logFigure(svg, 'x.png')).rejects.toThrow(/\.svg/);
      await expect(logFigure(spec, 'x.png')).rejects.toThrow(/\.json or \.html/);
      await expect(logFigure({ values: [1] }, 'x.json')).rejects.toThrow(/Unsupported figure/);
      return run.runId;
    });
    expect((await client.listArtifacts(runId)).map((f) => f.path).sort()).toEqual(['fig.vl.json', 'plots']);
    expect((await client.listArtifacts(runId, 'plots')).map((f) => f.path).sort()).toEqual(['plots/fig.html', 'plots/fig.svg']);
    expect(await client.readArtifactText(runId, 'plots/fig.svg')).toBe(svg);
    const html = await client.readArtifactText(runId, 'plots/fig.html');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    // The spec is embedded with `<` escaped, so a string in the data cannot close the script early.
    expect(html).toContain(`vegaEmbed('#vis', ${JSON.stringify(spec).replace(/</g, '\\u003c')});`);
    expect(html).not.toContain('</script>"');
    expect(JSON.parse(await client.readArtifactText(runId, 'fig.vl.json'))).toEqual({ mark: 'line' });
  });

  it('setExperimentTag(s) tag the active experiment, read back through getExperimentByName', async () => {
    const { experimentId, experimentName } = await newExperiment('exp-tags');
    // By name too: setExperiment finds the existing experiment rather than creating another.
    expect((await setExperiment(experimentName)).experimentId).toBe(experimentId);
    await setExperimentTag('owner', 'ana');
    await setExperimentTags({ team: 'vision', stage: 'dev', retries: 3 });
    await setExperimentTag('stage', 'prod');
    const exp = await getExperimentByName(experimentName);
    expect(exp).toMatchObject({ experimentId, name: experimentName, lifecycleStage: 'active' });
    const mine = exp!.tags.filter((t) => ['owner', 'team', 'stage', 'retries'].includes(t.key));
    expect(mine.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'owner', value: 'ana' },
      { key: 'retries', value: '3' },
      { key: 'stage', value: 'prod' },
      { key: 'team', value: 'vision' },
    ]);
    expect(await getExperimentByName(`no-such-${randomUUID()}`)).toBeNull();
  });

  it('searchRuns returns flat rows in MLflow columns, with toCSV', async () => {
    const { experimentId, experimentName } = await newExperiment('search');
    const ids: string[] = [];
    for (const [lr, opt, losses] of [
      [0.1, 'adam, "beta"\nv2', [0.9, 0.5]],
      [0.01, 'sgd', [0.8, 0.25]],
    ] as const) {
      await withRun(async (run) => {
        ids.push(run.runId);
        await logParam('lr', lr);
        await logParam('opt', opt);
        for (const [step, v] of losses.entries()) logMetric('loss', v, { step });
        if (opt === 'sgd') await setTag('note', 'fast');
        else logMetric('acc', 0.75);
      });
    }
    const [adam, sgd] = ids as [string, string];
    const rows = await searchRuns({ orderBy: ['metrics.loss ASC'] });
    expect(rows.map((r) => r.run_id)).toEqual([sgd, adam]);
    const runs = await Promise.all(rows.map((r) => client.getRun(r.run_id)));
    for (const [i, row] of rows.entries()) {
      const run = runs[i]!;
      expect(row).toMatchObject({
        experiment_id: experimentId,
        status: 'FINISHED',
        artifact_uri: run.info.artifactUri,
        start_time: run.info.startTime,
        end_time: run.info.endTime,
      });
      expect(typeof row.start_time).toBe('number');
      for (const t of run.data.tags) expect(row[`tags.${t.key}`]).toBe(t.value);
    }
    // Latest metric values (step 1), params as strings, and nothing for what a run did not log.
    expect(rows[0]).toMatchObject({ 'params.lr': '0.01', 'params.opt': 'sgd', 'metrics.loss': 0.25, 'tags.note': 'fast' });
    expect(rows[0]!['metrics.acc']).toBeUndefined();
    expect(rows[1]).toMatchObject({ 'params.lr': '0.1', 'params.opt': 'adam, "beta"\nv2', 'metrics.loss': 0.5, 'metrics.acc': 0.75 });
    expect(rows[1]!['tags.note']).toBeUndefined();

    const tagColumns = [...new Set(runs.flatMap((r) => r.data.tags.map((t) => `tags.${t.key}`)))].sort();
    const header = [
      'run_id',
      'experiment_id',
      'status',
      'artifact_uri',
      'start_time',
      'end_time',
      'metrics.acc',
      'metrics.loss',
      'params.lr',
      'params.opt',
      ...tagColumns,
    ];
    expect(rows.columns).toEqual(header);
    const csv = rows.toCSV();
    expect(csv).toContain('"adam, ""beta""\nv2"');
    const [head, ...records] = parseCsv(csv);
    expect(head).toEqual(header);
    expect(records).toEqual(
      runs.map((run) => {
        const cell: Record<string, string> = {
          run_id: run.info.runId,
          experiment_id: experimentId,
          status: 'FINISHED',
          artifact_uri: run.info.artifactUri,
          start_time: String(run.info.startTime),
          end_time: String(run.info.endTime),
          'metrics.acc': run.info.runId === adam ? '0.75' : '',
          'metrics.loss': run.info.runId === adam ? '0.5' : '0.25',
          'params.lr': run.info.runId === adam ? '0.1' : '0.01',
          'params.opt': run.info.runId === adam ? 'adam, "beta"\nv2' : 'sgd',
        };
        return header.map((c) => (c.startsWith('tags.') ? (tagOf(run, c.slice(5)) ?? '') : cell[c]));
      }),
    );

    expect((await searchRuns({ filterString: "params.opt = 'sgd'" })).map((r) => r.run_id)).toEqual([sgd]);
    expect((await searchRuns({ orderBy: ['metrics.loss DESC'], maxResults: 1 })).map((r) => r.run_id)).toEqual([adam]);
    const byName = await searchRuns({ experimentNames: [experimentName], orderBy: ['params.lr ASC'] });
    expect(byName.map((r) => r.run_id)).toEqual([sgd, adam]);
    expect(await searchRuns({ experimentNames: [`no-such-${randomUUID()}`] })).toHaveLength(0);
    const all = (await searchRuns({ searchAllExperiments: true })).map((r) => r.run_id);
    expect(all).toEqual(expect.arrayContaining([sgd, adam]));
  });

  it('searchRuns with searchAllExperiments searches the active experiments, unless experiments are named', async () => {
    await newExperiment('all-a');
    const kept = await withRun(async (run) => run.runId);
    const deletedRun = await withRun(async (run) => run.runId);
    await deleteRun(deletedRun);
    const { experimentId: b, experimentName: nameB } = await newExperiment('all-b');
    const inB = await withRun(async (run) => run.runId);
    const { experimentId: gone, experimentName: goneName } = await newExperiment('all-gone');
    const inGone = await withRun(async (run) => run.runId);
    await client.deleteExperiment(gone);
    // As MLflow's get_experiment_by_name: a deleted experiment is still found, marked deleted.
    expect(await getExperimentByName(goneName)).toMatchObject({ experimentId: gone, lifecycleStage: 'deleted' });
    const found = async (o: Parameters<typeof searchRuns>[0]) => (await searchRuns(o)).map((r) => r.run_id);
    expect(await found({ experimentIds: [b], searchAllExperiments: true })).toEqual([inB]);
    expect(await found({ experimentNames: [nameB], searchAllExperiments: true })).toEqual([inB]);
    const active = await found({ searchAllExperiments: true });
    expect(active).toEqual(expect.arrayContaining([kept, inB]));
    expect(active).not.toContain(deletedRun);
    expect(active).not.toContain(inGone);
    // runViewType picks runs, not experiments: a deleted run of an active experiment is found.
    const deleted = await found({ searchAllExperiments: true, runViewType: 'DELETED_ONLY' });
    expect(deleted).toContain(deletedRun);
    expect(deleted).not.toContain(kept);
  });

  it('getRun returns the run with its info and data', async () => {
    const { experimentId } = await newExperiment('get-run');
    const runId = await withRun(
      async (run) => {
        await logParam('depth', 4);
        await setTag('phase', 'probe');
        logMetric('score', 0.5, { step: 2, timestamp: 1700000000123 });
        return run.runId;
      },
      { runName: 'probe-run' },
    );
    const run = await getRun(runId);
    expect(run.info).toMatchObject({ runId, experimentId, runName: 'probe-run', status: 'FINISHED', lifecycleStage: 'active' });
    expect(run.info.endTime).toBeGreaterThanOrEqual(run.info.startTime!);
    expect(run.data.params).toEqual([{ key: 'depth', value: '4' }]);
    expect(run.data.metrics).toEqual([expect.objectContaining({ key: 'score', value: 0.5, step: 2, timestamp: 1700000000123 })]);
    expect(tagOf(run, 'phase')).toBe('probe');
    expect(tagOf(run, 'mlflow.runName')).toBe('probe-run');
    const missing = await getRun('0123456789abcdef0123456789abcdef').catch((e) => e);
    expect(LabbookError.is(missing) && missing.code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('deleteRun marks the run deleted: gone from searchRuns, still readable, listed as deleted', async () => {
    await newExperiment('delete-run');
    const keep = await withRun(async (run) => run.runId);
    const gone = await withRun(async (run) => run.runId);
    await deleteRun(gone);
    const missing = await deleteRun('0123456789abcdef0123456789abcdef').catch((e) => e);
    expect(LabbookError.is(missing) && missing.code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await getRun(gone)).info.lifecycleStage).toBe('deleted');
    expect((await getRun(keep)).info.lifecycleStage).toBe('active');
    expect((await searchRuns()).map((r) => r.run_id)).toEqual([keep]);
    expect((await searchRuns({ runViewType: 'DELETED_ONLY' })).map((r) => r.run_id)).toEqual([gone]);
    expect((await searchRuns({ runViewType: 'ALL' })).map((r) => r.run_id).sort()).toEqual([keep, gone].sort());
  });

  it('registerModel at the top level creates the model and numbered versions', async () => {
    await newExperiment('register');
    const modelName = `flat-model-${randomUUID().slice(0, 8)}`;
    const runId = await withRun(async (run) => {
      await client.logText(run.runId, 'artifact_path: model\nflavors: {}\n', 'model/MLmodel');
      return run.runId;
    });
    const v1 = await registerModel(`runs:/${runId}/model`, modelName, { tags: { reviewed: 'no' } });
    expect(v1).toMatchObject({ name: modelName, version: '1', runId, source: `runs:/${runId}/model` });
    const v2 = await registerModel(`runs:/${runId}/model`, modelName);
    expect(v2).toMatchObject({ name: modelName, version: '2', runId });
    const stored = await client.getModelVersion(modelName, '1');
    expect(stored).toMatchObject({ name: modelName, version: '1', runId, source: `runs:/${runId}/model`, status: 'READY' });
    expect(stored.tags).toEqual([{ key: 'reviewed', value: 'no' }]);
    expect((await client.getModelVersion(modelName, '2')).tags).toEqual([]);
    expect((await client.getRegisteredModel(modelName)).name).toBe(modelName);
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
