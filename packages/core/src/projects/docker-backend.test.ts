// The docker backend needs a Docker daemon. This machine (and every CI machine labbook runs on) has
// the docker client but no daemon, so the run tests skip and print why; under CI=true they always
// skip. What runs everywhere: without a daemon the backend fails in prepare(), before a run exists.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { LabbookError } from '../errors.js';
import { dockerProjectBackend } from './docker-backend.js';
import { dockerUnavailableReason } from './docker-cli.js';
import { loadProjectSpec } from './mlproject-file.js';
import { resolveInvocation } from './parameters.js';

const reason = process.env.CI === 'true' ? 'CI=true: CI machines have no Docker daemon' : await dockerUnavailableReason();
if (reason) console.warn(`[docker backend tests] skipped: ${reason}`);

const dir = mkdtempSync(join(tmpdir(), 'labbook-docker-'));
writeFileSync(
  join(dir, 'MLproject'),
  'name: d\ndocker_env:\n  image: alpine:3.20\nentry_points:\n  main:\n    command: "echo in-container $MLFLOW_RUN_ID"\n',
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function plan() {
  const project = loadProjectSpec(dir);
  const invocation = resolveInvocation(project.entryPoints.main!, {}, dir);
  return { project, invocation, command: invocation.command, backendConfig: {}, envManager: 'local' };
}

describe('docker backend', () => {
  it('refuses a project without docker_env, saying what to add', async () => {
    const noDocker = mkdtempSync(join(tmpdir(), 'labbook-docker-'));
    writeFileSync(join(noDocker, 'MLproject'), 'entry_points:\n  main:\n    command: "true"\n');
    const project = loadProjectSpec(noDocker);
    const invocation = resolveInvocation(project.entryPoints.main!, {}, noDocker);
    const error = await dockerProjectBackend().prepare!({
      project,
      invocation,
      command: 'true',
      backendConfig: {},
      envManager: 'local',
    }).catch((e: unknown) => e);
    rmSync(noDocker, { recursive: true, force: true });
    expect(LabbookError.is(error) && error.field).toBe('docker_env');
  });

  it.skipIf(reason === undefined)('without a daemon, prepare() fails with the reason and what to do', async () => {
    const error = await dockerProjectBackend().prepare!(plan()).catch((e: unknown) => e);
    expect(LabbookError.is(error)).toBe(true);
    expect((error as LabbookError).message).toMatch(/Docker daemon.*-b local/s);
  });

  it.skipIf(reason !== undefined)('runs the entry point in the image with the run environment', { timeout: 300000 }, async () => {
    const backend = dockerProjectBackend();
    await backend.prepare!(plan());
    let out = '';
    const stdout = new Writable({
      write(chunk, _e, cb) {
        out += String(chunk);
        cb();
      },
    });
    const tags: Record<string, string> = {};
    const execution = await backend.run({
      ...plan(),
      runId: 'r1',
      experimentId: '0',
      trackingUri: join(dir, 'mlruns'),
      env: { MLFLOW_RUN_ID: 'r1' },
      stdout,
      stderr: process.stderr,
      setTags: async (t) => {
        Object.assign(tags, t);
      },
    });
    expect((await execution.wait()).exitCode).toBe(0);
    expect(out).toContain('in-container r1');
    expect(tags['mlflow.docker.image.uri']).toBe('alpine:3.20');
  });
});
