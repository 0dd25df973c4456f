// The fluent API and the client end to end, on the real file store in a temp folder, through the
// built `labbook` package as users get it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  activeRun,
  Client,
  endRun,
  flush,
  LabbookError,
  logDict,
  logMetric,
  logMetrics,
  logParam,
  logParams,
  logText,
  resetFluentState,
  setExperiment,
  setTag,
  setTrackingUri,
  startRun,
  withRun,
} from 'labbook';

const dir = mkdtempSync(join(tmpdir(), 'labbook-fluent-'));
const store = join(dir, 'mlruns');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  resetFluentState();
  setTrackingUri(store);
});

const client = () => new Client({ trackingUri: store });
const tag = (run: { data: { tags: { key: string; value: string }[] } }, key: string) => run.data.tags.find((t) => t.key === key)?.value;

describe('fluent API', () => {
  it('logs a run with withRun: params, tags, batched metrics, FINISHED at the end', async () => {
    const experiment = await setExperiment('fluent');
    const runId = await withRun(async (run) => {
      await logParams({ lr: 0.1, layers: 3 });
      await logParam('optimizer', 'adam');
      await setTag('team', 'ml');
      for (let step = 0; step < 2500; step++) logMetric('loss', 1 / (step + 1), { step });
      logMetrics({ acc: 0.5, f1: 0.25 }, { step: 7 });
      expect(activeRun()?.runId).toBe(run.runId);
      return run.runId;
    });
    expect(activeRun()).toBeNull();
    const c = client();
    const run = await c.getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.experimentId).toBe(experiment.experimentId);
    expect(run.info.endTime).toBeGreaterThan(0);
    expect(Object.fromEntries(run.data.params.map((p) => [p.key, p.value]))).toEqual({ lr: '0.1', layers: '3', optimizer: 'adam' });
    expect(tag(run, 'team')).toBe('ml');
    expect(tag(run, 'mlflow.user')).toBeTruthy();
    expect(tag(run, 'mlflow.source.type')).toBe('LOCAL');
    expect(tag(run, 'mlflow.source.name')).toBeTruthy();
    const history = await c.getMetricHistory(runId, 'loss');
    expect(history).toHaveLength(2500);
    expect(history.map((m) => m.step).sort((a, b) => a - b)[2499]).toBe(2499);
    const latest = run.data.metrics.find((m) => m.key === 'loss');
    expect(latest?.step).toBe(2499);
  });

  it('ends the run FAILED and rethrows when the function throws', async () => {
    let id = '';
    await expect(
      withRun(async (run) => {
        id = run.runId;
        logMetric('x', 1);
        throw new Error('training diverged');
      }),
    ).rejects.toThrow('training diverged');
    const run = await client().getRun(id);
    expect(run.info.status).toBe('FAILED');
    expect(run.data.metrics.find((m) => m.key === 'x')?.value).toBe(1);
  });

  it('keeps concurrent tasks in their own runs', async () => {
    const task = (name: string) =>
      withRun(
        async (run) => {
          for (let i = 0; i < 300; i++) {
            logMetric(name, i, { step: i });
            if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
            expect(activeRun()?.runId).toBe(run.runId);
          }
          return run.runId;
        },
        { runName: name },
      );
    const [a, b] = await Promise.all([task('alpha'), task('beta')]);
    const c = client();
    const [ra, rb] = await Promise.all([c.getRun(a), c.getRun(b)]);
    expect(ra.data.metrics.map((m) => m.key)).toEqual(['alpha']);
    expect(rb.data.metrics.map((m) => m.key)).toEqual(['beta']);
    expect(await c.getMetricHistory(a, 'alpha')).toHaveLength(300);
    expect(await c.getMetricHistory(b, 'beta')).toHaveLength(300);
  });

  it('nests runs and refuses a second top-level run', async () => {
    const parent = await startRun({ runName: 'parent' });
    await expect(startRun()).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('already active') });
    const child = await startRun({ nested: true, runName: 'child' });
    expect(activeRun()?.runId).toBe(child.runId);
    await endRun();
    expect(activeRun()?.runId).toBe(parent.runId);
    await endRun();
    const c = client();
    expect(tag(await c.getRun(child.runId), 'mlflow.parentRunId')).toBe(parent.runId);
    expect((await c.getParentRun(child.runId))?.info.runId).toBe(parent.runId);
  });

  it('resumes a run by id and from MLFLOW_RUN_ID (consumed once)', async () => {
    const first = await startRun();
    await endRun('KILLED');
    const resumed = await startRun({ runId: first.runId, tags: { resumed: 'yes' } });
    expect(resumed.info.status).toBe('RUNNING');
    await endRun();
    process.env.MLFLOW_RUN_ID = first.runId;
    const fromEnv = await startRun();
    expect(fromEnv.runId).toBe(first.runId);
    expect(process.env.MLFLOW_RUN_ID).toBeUndefined();
    await endRun();
    expect(tag(await client().getRun(first.runId), 'resumed')).toBe('yes');
  });

  it('starts a run implicitly when logging without one, as MLflow does', async () => {
    logMetric('implicit', 3);
    await setTag('implicit', 'yes');
    const run = activeRun();
    expect(run).not.toBeNull();
    await endRun();
    const stored = await client().getRun(run!.runId);
    expect(stored.data.metrics.find((m) => m.key === 'implicit')?.value).toBe(3);
  });

  it('reports a failed metric write on flush, never silently', async () => {
    const c = client();
    const experimentId = await c.createExperiment('doomed');
    const victim = await c.createRun(experimentId);
    await c.deleteRun(victim.info.runId);
    logMetric('lost', 1, { runId: victim.info.runId });
    const error = await flush().catch((e) => e);
    expect(LabbookError.is(error)).toBe(true);
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('refuses a deleted experiment as the active one', async () => {
    const c = client();
    const id = await c.createExperiment('gone');
    await c.deleteExperiment(id);
    await expect(setExperiment({ experimentId: id })).rejects.toThrow(/deleted experiment/);
    await expect(setExperiment({})).rejects.toThrow(/exactly one/);
  });

  it('flushes queued metrics and ends the run when the process exits', () => {
    const script = join(import.meta.dirname, 'fixtures', 'exit-flush.mjs');
    const runId = execFileSync(process.execPath, [script, store, '5000']).toString().trim();
    return (async () => {
      const c = client();
      const run = await c.getRun(runId);
      expect(run.info.status).toBe('FINISHED');
      expect(await c.getMetricHistory(runId, 'm')).toHaveLength(5000);
    })();
  });

  it('says on stderr how many points were lost when the process calls process.exit() before a flush', () => {
    const script = join(import.meta.dirname, 'fixtures', 'exit-abrupt.mjs');
    const child = spawnSync(process.execPath, [script, store, '10'], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    expect(child.stderr).toContain('[labbook] 10 metric points were logged but not stored');
    // A normal exit flushes and says nothing.
    const calm = spawnSync(process.execPath, [join(import.meta.dirname, 'fixtures', 'exit-flush.mjs'), store, '10'], { encoding: 'utf8' });
    expect(calm.stderr).not.toContain('not stored');
  });
});

describe('client artifacts and URIs', () => {
  it('logs text, dicts (JSON and YAML), files and folders, lists and downloads them', async () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'model', 'data'), { recursive: true });
    writeFileSync(join(src, 'model', 'MLmodel'), 'flavors: {}\n');
    writeFileSync(join(src, 'model', 'data', 'weights.bin'), Buffer.alloc(4096, 7));
    writeFileSync(join(dir, 'notes.md'), '# notes\n');
    const runId = await withRun(async (run) => {
      await logText('hello\n', 'texts/hello.txt');
      await logDict({ a: 1, b: [1, 2] }, 'config.json');
      await logDict({ a: 1, b: [1, 2] }, 'config.yaml');
      return run.runId;
    });
    const c = client();
    await c.logArtifact(runId, join(dir, 'notes.md'), 'docs');
    await c.logArtifacts(runId, src, 'bundle');
    expect((await c.listArtifacts(runId)).map((f) => [f.path, f.isDir])).toEqual([
      ['bundle', true],
      ['config.json', false],
      ['config.yaml', false],
      ['docs', true],
      ['texts', true],
    ]);
    expect((await c.listArtifacts(runId, 'bundle/model')).map((f) => f.path)).toEqual(['bundle/model/MLmodel', 'bundle/model/data']);
    expect(JSON.parse(await c.readArtifactText(runId, 'config.json'))).toEqual({ a: 1, b: [1, 2] });
    expect(await c.readArtifactText(runId, 'config.yaml')).toBe('a: 1\nb:\n  - 1\n  - 2\n');
    const out = await c.downloadArtifacts(runId, 'bundle', join(dir, 'download'));
    expect(readFileSync(join(out, 'model', 'data', 'weights.bin')).length).toBe(4096);
    const one = await c.downloadArtifacts(runId, 'docs/notes.md', join(dir, 'download2'));
    expect(readFileSync(one, 'utf8')).toBe('# notes\n');
    await expect(c.downloadArtifacts(runId, '../../etc/passwd', join(dir, 'x'))).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(c.downloadArtifacts(runId, 'missing.txt', join(dir, 'x'))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('resolves runs:/ and models:/ URIs through the registry', async () => {
    const c = client();
    const runId = await withRun(async (run) => {
      await logText('weights', 'model/weights.txt');
      return run.runId;
    });
    const v1 = await c.registerModel(`runs:/${runId}/model`, 'churn');
    expect(v1.version).toBe('1');
    await c.setRegisteredModelAlias('churn', 'champion', 1);
    for (const uri of [`runs:/${runId}/model`, 'models:/churn/1', 'models:/churn@champion', 'models:/churn/latest', 'models:/churn/None']) {
      const resolved = await c.resolveArtifactUri(uri);
      expect(resolved).toMatch(new RegExp(`${runId}/artifacts/model$`));
    }
    const local = await c.downloadArtifactsFromUri('models:/churn@champion', join(dir, 'from-model'));
    expect(readFileSync(join(local, 'weights.txt'), 'utf8')).toBe('weights');
  });

  it('splits a large logBatch into requests within the limits', async () => {
    const c = client();
    const run = await c.createRun('0');
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: 'big', value: i, timestamp: 1000 + i, step: i }));
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: String(i) }));
    await c.logBatch(run.info.runId, { metrics, params });
    expect(await c.getMetricHistory(run.info.runId, 'big')).toHaveLength(2500);
    expect((await c.getRun(run.info.runId)).data.params).toHaveLength(250);
  });
});

describe('client tables and images', () => {
  it('writes tables in MLflow log_table format and reads them back', async () => {
    const c = client();
    const run = await c.createRun('0');
    await c.logTable(run.info.runId, [{ a: 1, b: 'x' }, { a: 2 }], 'eval.json');
    expect(JSON.parse(await c.readArtifactText(run.info.runId, 'eval.json'))).toEqual({
      columns: ['a', 'b'],
      data: [
        [1, 'x'],
        [2, null],
      ],
    });
    expect(await c.loadTable(run.info.runId, 'eval.json')).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: null },
    ]);
    await c.logTable(run.info.runId, { x: [1, 2], y: [3] }, 'cols.json');
    expect(await c.loadTable(run.info.runId, 'cols.json')).toEqual([
      { x: 1, y: 3 },
      { x: 2, y: null },
    ]);
    await expect(c.logTable(run.info.runId, [], 'eval.csv')).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      field: 'artifact_file',
    });
    await c.logImage(run.info.runId, new Uint8Array([137, 80, 78, 71]), 'plots/a.png');
    expect((await c.listArtifacts(run.info.runId, 'plots')).map((f) => [f.path, f.fileSize])).toEqual([['plots/a.png', 4]]);
  });
});
