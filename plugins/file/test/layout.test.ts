import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileRegistryStore, FileTrackingStore } from '../src/index.js';
import { FIXTURE, removeTempRoots, tempRoot } from './helpers/temp-root.js';

const NOW = 1700000000000;

function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(relative(dir, p) + (e.isDirectory() ? '/' : ''));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

const read = (p: string) => readFileSync(p, 'utf8');

describe('the mlruns/ layout, byte for byte', () => {
  let root: string;
  let uri: string;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    root = join(tempRoot(), 'mlruns');
    uri = pathToFileURL(root).href;
  });
  afterEach(() => {
    vi.useRealTimers();
    removeTempRoots();
  });

  it('creates .trash and experiment 0 "Default" on a new root', async () => {
    const store = new FileTrackingStore({ root });
    expect((await store.getExperiment('0')).name).toBe('Default');
    expect(tree(root)).toEqual(['.trash/', '0/', '0/meta.yaml']);
    expect(read(join(root, '0/meta.yaml'))).toBe(
      `artifact_location: ${uri}/0\ncreation_time: ${NOW}\nexperiment_id: '0'\nlast_update_time: ${NOW}\nlifecycle_stage: active\nname: Default\n`,
    );
  });

  it('writes experiments, runs, metrics, params and tags as MLflow does', async () => {
    const store = new FileTrackingStore({ root });
    const exp = await store.createExperiment('churn', undefined, [{ key: 'team', value: 'growth' }]);
    expect(exp).toMatch(/^[1-9]\d{17}$/);
    const run = await store.createRun({ experimentId: exp, runName: 'baseline', startTime: NOW + 1, userId: 'alice' });
    const id = run.info.runId;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await store.logBatch(id, {
      metrics: [
        { key: 'loss', value: 1, timestamp: NOW + 2, step: 0 },
        { key: 'loss', value: 0.5, timestamp: NOW + 3, step: 1 },
        { key: 'loss', value: Number.NaN, timestamp: NOW + 4, step: 2 },
        { key: 'loss', value: 1e-5, timestamp: NOW + 5, step: 3 },
        { key: 'train/acc', value: Number.POSITIVE_INFINITY, timestamp: NOW + 6, step: 0 },
      ],
      params: [
        { key: 'alpha', value: '0.5' },
        { key: 'model/depth', value: '12' },
      ],
      tags: [{ key: 'note', value: 'two\nlines' }],
    });
    await store.updateRunInfo(id, { status: 'FINISHED', endTime: NOW + 9 });

    const e = `${exp}/`;
    const r = `${exp}/${id}/`;
    expect(tree(root)).toEqual(
      [
        '.trash/',
        '0/',
        '0/meta.yaml',
        e,
        `${e}meta.yaml`,
        `${e}tags/`,
        `${e}tags/team`,
        r,
        `${r}artifacts/`,
        `${r}meta.yaml`,
        `${r}metrics/`,
        `${r}metrics/loss`,
        `${r}metrics/train/`,
        `${r}metrics/train/acc`,
        `${r}params/`,
        `${r}params/alpha`,
        `${r}params/model/`,
        `${r}params/model/depth`,
        `${r}tags/`,
        `${r}tags/mlflow.runName`,
        `${r}tags/note`,
      ].sort(),
    );
    expect(read(join(root, exp, 'meta.yaml'))).toBe(
      `artifact_location: ${uri}/${exp}\ncreation_time: ${NOW}\nexperiment_id: '${exp}'\nlast_update_time: ${NOW}\nlifecycle_stage: active\nname: churn\n`,
    );
    expect(read(join(root, exp, 'tags/team'))).toBe('growth');
    expect(read(join(root, exp, id, 'meta.yaml'))).toBe(
      [
        `artifact_uri: ${uri}/${exp}/${id}/artifacts`,
        'deleted_time: null',
        `end_time: ${NOW + 9}`,
        "entry_point_name: ''",
        `experiment_id: '${exp}'`,
        'lifecycle_stage: active',
        `run_id: ${id}`,
        'run_name: baseline',
        `run_uuid: ${id}`,
        "source_name: ''",
        'source_type: 4',
        "source_version: ''",
        `start_time: ${NOW + 1}`,
        'status: 3',
        'tags: []',
        'user_id: alice',
        '',
      ].join('\n'),
    );
    expect(read(join(root, exp, id, 'metrics/loss'))).toBe(`${NOW + 2} 1.0 0\n${NOW + 3} 0.5 1\n${NOW + 4} nan 2\n${NOW + 5} 1e-05 3\n`);
    expect(read(join(root, exp, id, 'metrics/train/acc'))).toBe(`${NOW + 6} inf 0\n`);
    expect(read(join(root, exp, id, 'params/alpha'))).toBe('0.5');
    expect(read(join(root, exp, id, 'params/model/depth'))).toBe('12');
    expect(read(join(root, exp, id, 'tags/note'))).toBe('two\nlines');
    expect(read(join(root, exp, id, 'tags/mlflow.runName'))).toBe('baseline');
  });

  it('deletes runs in meta.yaml and moves deleted experiments to .trash/', async () => {
    const store = new FileTrackingStore({ root });
    const exp = await store.createExperiment('x');
    const run = await store.createRun({ experimentId: exp, startTime: NOW });
    await store.deleteRun(run.info.runId);
    const meta = read(join(root, exp, run.info.runId, 'meta.yaml'));
    expect(meta).toContain(`deleted_time: ${NOW}\n`);
    expect(meta).toContain('lifecycle_stage: deleted\n');
    await store.restoreRun(run.info.runId);
    await store.deleteExperiment(exp);
    expect(existsSync(join(root, exp))).toBe(false);
    expect(read(join(root, '.trash', exp, 'meta.yaml'))).toContain('lifecycle_stage: deleted\n');
    expect(read(join(root, '.trash', exp, run.info.runId, 'meta.yaml'))).toContain('lifecycle_stage: deleted\n');
    await store.restoreExperiment(exp);
    expect(read(join(root, exp, 'meta.yaml'))).toContain('lifecycle_stage: active\n');
    expect((await store.getRun(run.info.runId)).info.lifecycleStage).toBe('active');
    await expect(store.deleteExperiment('0')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });

  it('writes the models/ registry layout', async () => {
    const reg = new FileRegistryStore({ root });
    await reg.createRegisteredModel('churn', [{ key: 'owner', value: 'growth-team' }], 'Predicts churn');
    const v1 = await reg.createModelVersion({ name: 'churn', source: 's3://b/m1', runId: 'abc' });
    const v2 = await reg.createModelVersion({ name: 'churn', source: 's3://b/m2', tags: [{ key: 'validated', value: 'true' }] });
    expect([v1.version, v2.version]).toEqual(['1', '2']);
    await reg.transitionModelVersionStage('churn', '2', 'production', false);
    await reg.setRegisteredModelAlias('churn', 'champion', '2');
    await reg.deleteModelVersion('churn', '1');
    const m = 'models/churn/';
    expect(tree(root)).toEqual(
      [
        'models/',
        m,
        `${m}aliases/`,
        `${m}aliases/champion`,
        `${m}meta.yaml`,
        `${m}tags/`,
        `${m}tags/owner`,
        `${m}version-1/`,
        `${m}version-1/meta.yaml`,
        `${m}version-2/`,
        `${m}version-2/meta.yaml`,
        `${m}version-2/tags/`,
        `${m}version-2/tags/validated`,
      ].sort(),
    );
    expect(read(join(root, m, 'aliases/champion'))).toBe('2');
    expect(read(join(root, m, 'meta.yaml'))).toBe(
      `aliases: []\ncreation_timestamp: ${NOW}\ndeployment_job_id: null\ndeployment_job_state: null\ndescription: Predicts churn\nlast_updated_timestamp: ${NOW}\nname: churn\n`,
    );
    expect(read(join(root, m, 'version-2/meta.yaml'))).toBe(
      [
        'aliases: []',
        `creation_timestamp: ${NOW}`,
        'current_stage: Production',
        'description: null',
        `last_updated_timestamp: ${NOW}`,
        'name: churn',
        'run_id: null',
        'run_link: null',
        'source: s3://b/m2',
        'status: READY',
        'status_message: null',
        'storage_location: s3://b/m2',
        'user_id: null',
        'version: 2',
        '',
      ].join('\n'),
    );
    expect(read(join(root, m, 'version-1/meta.yaml'))).toContain('current_stage: Deleted_Internal\n');
  });

  it('writes the same bytes MLflow wrote for the same run (fixture round trip)', async () => {
    const mlflowRun = join(FIXTURE, '0/5b0c3a7e9d2f4e1a8c6b4d2e0f9a7c31');
    const store = new FileTrackingStore({ root });
    const run = await store.createRun({ experimentId: '0', runName: 'baseline', startTime: 1700000100000, userId: 'alice' });
    const id = run.info.runId;
    const original = await new FileTrackingStore({ root: FIXTURE }).getRun('5b0c3a7e9d2f4e1a8c6b4d2e0f9a7c31');
    for (const key of ['loss', 'train/loss']) {
      const history = await new FileTrackingStore({ root: FIXTURE }).getMetricHistory(original.info.runId, key);
      await store.logBatch(id, { metrics: history.items });
      expect(read(join(root, '0', id, 'metrics', key))).toBe(read(join(mlflowRun, 'metrics', key)));
    }
    await store.logBatch(id, { params: original.data.params, tags: original.data.tags });
    for (const p of original.data.params) expect(read(join(root, '0', id, 'params', p.key))).toBe(read(join(mlflowRun, 'params', p.key)));
    for (const t of original.data.tags) expect(read(join(root, '0', id, 'tags', t.key))).toBe(read(join(mlflowRun, 'tags', t.key)));
    await store.updateRunInfo(id, { status: 'FINISHED', endTime: 1700000300000 });
    const ours = read(join(root, '0', id, 'meta.yaml'))
      .replaceAll(id, 'RUN')
      .replaceAll(pathToFileURL(root).href, 'ROOT');
    const theirs = read(join(mlflowRun, 'meta.yaml'))
      .replaceAll('5b0c3a7e9d2f4e1a8c6b4d2e0f9a7c31', 'RUN')
      .replaceAll('file:///home/alice/project/mlruns', 'ROOT');
    expect(ours).toBe(theirs);
  });
});
