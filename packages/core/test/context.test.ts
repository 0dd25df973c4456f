import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  environmentContext,
  githubActionsContext,
  gitlabCiContext,
  readGitInfo,
  resolveContextTags,
  type RunContextProvider,
  userContext,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'labbook-git-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function git(...args: string[]) {
  return execFileSync('git', args, {
    cwd: dir,
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  })
    .toString()
    .trim();
}

describe('git context, read without a git binary', () => {
  it('reads commit, branch, remote (credentials stripped) and dirtiness', () => {
    git('init', '-q', '-b', 'trunk');
    git('remote', 'add', 'origin', 'https://user:token@example.com/team/repo.git');
    writeFileSync(join(dir, 'train.js'), 'console.log(1)\n');
    git('add', 'train.js');
    git('commit', '-qm', 'first');
    const head = git('rev-parse', 'HEAD');
    const info = readGitInfo(dir);
    expect(info).toMatchObject({ commit: head, branch: 'trunk', remoteUrl: 'https://example.com/team/repo.git', dirty: false });
    writeFileSync(join(dir, 'train.js'), 'console.log(2)\n');
    expect(readGitInfo(dir)?.dirty).toBe(true);
    git('commit', '-qam', 'second');
    git('pack-refs', '--all');
    expect(readGitInfo(dir)).toMatchObject({ commit: git('rev-parse', 'HEAD'), dirty: false });
    git('checkout', '-q', '--detach');
    expect(readGitInfo(dir)?.branch).toBeUndefined();
    expect(readGitInfo(dir)?.commit).toBe(git('rev-parse', 'HEAD'));
  });

  it('finds nothing outside a checkout', () => {
    expect(readGitInfo('/')).toBeUndefined();
  });
});

describe('environment and CI providers', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads LABBOOK_RUN_CONTEXT / MLFLOW_RUN_CONTEXT JSON', async () => {
    process.env.MLFLOW_RUN_CONTEXT = JSON.stringify({ team: 'ml', n: 3 });
    expect(await environmentContext.tags()).toEqual({ team: 'ml', n: '3' });
    process.env.LABBOOK_RUN_CONTEXT = '{"team":"labbook"}';
    expect(await environmentContext.tags()).toEqual({ team: 'labbook' });
    process.env.LABBOOK_RUN_CONTEXT = '[1]';
    expect(() => environmentContext.tags()).toThrow(/JSON object/);
  });

  it('builds GitHub Actions and GitLab CI job and commit URLs', async () => {
    Object.assign(process.env, {
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_RUN_ID: '42',
      GITHUB_SHA: 'abc',
      GITHUB_SERVER_URL: 'https://github.com',
    });
    expect(await githubActionsContext.inContext()).toBe(true);
    expect(await githubActionsContext.tags()).toMatchObject({
      'labbook.ci.jobUrl': 'https://github.com/o/r/actions/runs/42',
      'labbook.ci.commitUrl': 'https://github.com/o/r/commit/abc',
    });
    Object.assign(process.env, { GITLAB_CI: 'true', CI_JOB_URL: 'https://gl/j/1', CI_PROJECT_URL: 'https://gl/p', CI_COMMIT_SHA: 'def' });
    expect(await gitlabCiContext.tags()).toMatchObject({
      'labbook.ci.jobUrl': 'https://gl/j/1',
      'labbook.ci.commitUrl': 'https://gl/p/-/commit/def',
    });
  });

  it('prefers the tracking username for mlflow.user', async () => {
    process.env.MLFLOW_TRACKING_USERNAME = 'alice';
    expect(await userContext.tags()).toEqual({ 'mlflow.user': 'alice' });
  });

  it('merges in order, later wins, and skips a provider that throws with a warning', async () => {
    const a: RunContextProvider = { name: 'a', inContext: () => true, tags: () => ({ x: '1', y: '1' }) };
    const bad: RunContextProvider = {
      name: 'bad',
      inContext: () => true,
      tags: () => {
        throw new Error('nope');
      },
    };
    const b: RunContextProvider = { name: 'b', inContext: () => true, tags: () => ({ y: '2' }) };
    const off: RunContextProvider = { name: 'off', inContext: () => false, tags: () => ({ z: '1' }) };
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    expect(await resolveContextTags([a, bad, b, off])).toEqual({ x: '1', y: '2' });
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(warnings.some((w) => w.includes("'bad' failed"))).toBe(true);
  });
});
