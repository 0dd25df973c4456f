// `labbook migrate` as a user runs it: the built CLI copying one file store into another, then a
// rerun that writes nothing, a dry run, and a one-line error for a bad target.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRegistryStore, resolveTrackingStore } from 'labbook';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..');
const cli = join(repo, 'packages', 'labbook', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'labbook-migrate-cli-'));
const from = join(dir, 'src');
const to = join(dir, 'dst');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function labbook(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: dir });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

let runId = '';
beforeAll(async () => {
  const t = await resolveTrackingStore(from);
  const exp = await t.createExperiment('cli');
  const r = await t.createRun({ experimentId: exp });
  runId = r.info.runId;
  await t.logBatch(runId, { params: [{ key: 'a', value: '1' }], metrics: [{ key: 'm', value: Number.NaN, timestamp: 1, step: 0 }] });
  await t.close();
  const reg = await resolveRegistryStore(from);
  await reg.createRegisteredModel('m1');
  await reg.createModelVersion({ name: 'm1', source: `runs:/${runId}/model`, runId });
  await reg.setRegisteredModelAlias('m1', 'best', '1');
  await reg.close();
});

describe('labbook migrate', () => {
  it('dry run writes nothing', async () => {
    const r = await labbook('migrate', '--from', from, '--to', to, '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Dry run');
    expect(existsSync(join(to, '1'))).toBe(false);
  });

  it('copies, verifies, and a rerun skips everything', async () => {
    const first = await labbook('migrate', '--from', from, '--to', to, '--json');
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.source).toEqual(report.target);
    expect(report.target).toMatchObject({ runs: 1, params: 1, metricPoints: 1, registeredModels: 1, versions: 1, aliases: 1 });
    const t = await resolveTrackingStore(to);
    expect((await t.getRun(runId)).data.params).toEqual([{ key: 'a', value: '1' }]);
    await t.close();
    const again = await labbook('migrate', '--from', from, '--to', to);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('counts verified');
    expect(again.stdout).toMatch(/runs\s*│\s*1\s*│\s*1\s*│\s*0\s*│\s*1/);
  });

  it('fails with a one-line error and exit code 1', async () => {
    const r = await labbook('migrate', '--from', from, '--to', 'nosuch://x');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^labbook: INVALID_PARAMETER_VALUE: .*nosuch/);
  });
});
