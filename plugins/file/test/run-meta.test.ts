import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FileTrackingStore } from '../src/index.js';
import { parseYaml } from '../src/yaml-io.js';
import { removeTempRoots, tempRoot } from './helpers/temp-root.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/run-meta', import.meta.url));
const VERSIONS = ['mlflow-2.10', 'mlflow-2.22', 'mlflow-3'] as const;

function fixture(version: (typeof VERSIONS)[number]): Record<string, unknown> {
  return parseYaml(readFileSync(join(FIXTURES, `${version}.yaml`), 'utf8'), version) as Record<string, unknown>;
}

/** An mlruns root whose Default experiment holds one run with the given meta.yaml. */
function rootWith(version: (typeof VERSIONS)[number]): { root: string; runId: string } {
  const root = tempRoot();
  const meta = fixture(version);
  const runId = String(meta.run_id);
  mkdirSync(join(root, '0', runId), { recursive: true });
  writeFileSync(
    join(root, '0', 'meta.yaml'),
    `artifact_location: file://${root}/0\ncreation_time: 1700000000000\nexperiment_id: '0'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: Default\n`,
  );
  cpSync(join(FIXTURES, `${version}.yaml`), join(root, '0', runId, 'meta.yaml'));
  for (const sub of ['metrics', 'params', 'tags']) mkdirSync(join(root, '0', runId, sub));
  return { root, runId };
}

describe("a run's meta.yaml across MLflow versions", () => {
  afterEach(removeTempRoots);

  it.each(VERSIONS)('reads a run as %s writes it', async (version) => {
    const { root, runId } = rootWith(version);
    const store = new FileTrackingStore({ root, fsync: false });
    const run = await store.getRun(runId);
    const meta = fixture(version);
    expect(run.info).toMatchObject({
      runId,
      runUuid: runId,
      experimentId: '0',
      userId: 'alice',
      startTime: meta.start_time,
      runName: meta.run_name,
    });
    // An update keeps the keys that version wrote (a 2.x reader still finds run_uuid).
    await store.updateRunInfo(runId, { status: 'FINISHED', endTime: 1800000000000 });
    const after = parseYaml(readFileSync(join(root, '0', runId, 'meta.yaml'), 'utf8'), 'meta.yaml') as Record<string, unknown>;
    expect(Object.keys(after).sort()).toEqual(expect.arrayContaining(Object.keys(meta).sort()));
    expect(after.end_time).toBe(1800000000000);
  });

  it('writes every key MLflow 2.x writes, run_uuid included, with the same value types', async () => {
    const root = tempRoot();
    const store = new FileTrackingStore({ root, fsync: false });
    const { info } = await store.createRun({ experimentId: '0', startTime: 1, tags: [] });
    const written = parseYaml(readFileSync(join(root, '0', info.runId, 'meta.yaml'), 'utf8'), 'meta.yaml') as Record<string, unknown>;
    for (const version of ['mlflow-2.10', 'mlflow-2.22'] as const) {
      const reference = fixture(version);
      // deleted_time (null until a delete) is the one key more; MLflow's reader drops unknown keys.
      expect(
        Object.keys(written)
          .filter((k) => k !== 'deleted_time')
          .sort(),
        version,
      ).toEqual(Object.keys(reference).sort());
      for (const [key, value] of Object.entries(reference)) {
        if (value === null || written[key] === null) continue;
        expect(typeof written[key], `${version}: ${key}`).toBe(typeof value);
      }
    }
    expect(written.run_uuid).toBe(info.runId);
    expect(readdirSync(join(root, '0', info.runId)).sort()).toEqual(['artifacts', 'meta.yaml', 'metrics', 'params', 'tags']);
  });
});
