import { hostname, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { LabbookError } from '../errors.js';
import type { RunContextProvider } from '../interfaces/run-context-provider.js';
import { SystemTags } from '../runs/system-tags.js';
import { readGitInfo } from './git-repository.js';

function mainScript(): string | undefined {
  const script = process.argv[1];
  return script ? resolve(script) : undefined;
}

/** `mlflow.user`: the tracking username if set, else the OS user, else `unknown`. */
export const userContext: RunContextProvider = {
  name: 'user',
  inContext: () => true,
  tags() {
    let user = process.env.LABBOOK_TRACKING_USERNAME ?? process.env.MLFLOW_TRACKING_USERNAME;
    if (!user) {
      try {
        user = userInfo().username;
      } catch {
        user = process.env.USER ?? process.env.USERNAME;
      }
    }
    return { [SystemTags.USER]: user || 'unknown' };
  },
};

/** `mlflow.source.name` (the main script, or `<console>`) and `mlflow.source.type` (`LOCAL`). */
export const sourceContext: RunContextProvider = {
  name: 'source',
  inContext: () => true,
  tags: () => ({ [SystemTags.SOURCE_NAME]: mainScript() ?? '<console>', [SystemTags.SOURCE_TYPE]: 'LOCAL' }),
};

/** Commit, branch, remote URL and dirtiness of the git checkout holding the main script (or the cwd). */
export const gitContext: RunContextProvider = {
  name: 'git',
  inContext: () => readGitInfo(gitStart()) !== undefined,
  tags() {
    const info = readGitInfo(gitStart());
    const tags: Record<string, string> = {};
    if (info?.commit) tags[SystemTags.GIT_COMMIT] = info.commit;
    if (info?.branch) tags[SystemTags.GIT_BRANCH] = info.branch;
    if (info?.remoteUrl) tags[SystemTags.GIT_REPO_URL] = info.remoteUrl;
    if (info?.dirty !== undefined) tags[SystemTags.GIT_DIRTY] = String(info.dirty);
    return tags;
  },
};

function gitStart(): string {
  const script = mainScript();
  return script ? dirname(script) : process.cwd();
}

/** `labbook.host`: the machine the run was started on. */
export const hostContext: RunContextProvider = {
  name: 'host',
  inContext: () => true,
  tags: () => ({ 'labbook.host': hostname() }),
};

/** GitHub Actions: job and commit URLs, workflow, run id. */
export const githubActionsContext: RunContextProvider = {
  name: 'github-actions',
  inContext: () => process.env.GITHUB_ACTIONS === 'true',
  tags() {
    const e = process.env;
    const server = e.GITHUB_SERVER_URL ?? 'https://github.com';
    const tags: Record<string, string> = { 'labbook.ci.provider': 'github-actions' };
    if (e.GITHUB_REPOSITORY && e.GITHUB_RUN_ID) {
      tags['labbook.ci.jobUrl'] = `${server}/${e.GITHUB_REPOSITORY}/actions/runs/${e.GITHUB_RUN_ID}`;
      tags['labbook.ci.runId'] = e.GITHUB_RUN_ID;
    }
    if (e.GITHUB_REPOSITORY && e.GITHUB_SHA) {
      tags['labbook.ci.commitUrl'] = `${server}/${e.GITHUB_REPOSITORY}/commit/${e.GITHUB_SHA}`;
      tags[SystemTags.GIT_COMMIT] = e.GITHUB_SHA;
    }
    if (e.GITHUB_WORKFLOW) tags['labbook.ci.workflow'] = e.GITHUB_WORKFLOW;
    if (e.GITHUB_REF_NAME) tags[SystemTags.GIT_BRANCH] = e.GITHUB_REF_NAME;
    if (e.GITHUB_REPOSITORY) tags[SystemTags.GIT_REPO_URL] = `${server}/${e.GITHUB_REPOSITORY}`;
    return tags;
  },
};

/** GitLab CI: job and commit URLs, pipeline, job name. */
export const gitlabCiContext: RunContextProvider = {
  name: 'gitlab-ci',
  inContext: () => process.env.GITLAB_CI === 'true',
  tags() {
    const e = process.env;
    const tags: Record<string, string> = { 'labbook.ci.provider': 'gitlab-ci' };
    if (e.CI_JOB_URL) tags['labbook.ci.jobUrl'] = e.CI_JOB_URL;
    if (e.CI_JOB_ID) tags['labbook.ci.runId'] = e.CI_JOB_ID;
    if (e.CI_JOB_NAME) tags['labbook.ci.job'] = e.CI_JOB_NAME;
    if (e.CI_PIPELINE_URL) tags['labbook.ci.pipelineUrl'] = e.CI_PIPELINE_URL;
    if (e.CI_PROJECT_URL && e.CI_COMMIT_SHA) tags['labbook.ci.commitUrl'] = `${e.CI_PROJECT_URL}/-/commit/${e.CI_COMMIT_SHA}`;
    if (e.CI_COMMIT_SHA) tags[SystemTags.GIT_COMMIT] = e.CI_COMMIT_SHA;
    if (e.CI_COMMIT_REF_NAME) tags[SystemTags.GIT_BRANCH] = e.CI_COMMIT_REF_NAME;
    if (e.CI_PROJECT_URL) tags[SystemTags.GIT_REPO_URL] = e.CI_PROJECT_URL;
    return tags;
  },
};

/** Tags from `LABBOOK_RUN_CONTEXT` or `MLFLOW_RUN_CONTEXT`: a JSON object of string values. */
export const environmentContext: RunContextProvider = {
  name: 'environment',
  inContext: () => Boolean(process.env.LABBOOK_RUN_CONTEXT ?? process.env.MLFLOW_RUN_CONTEXT),
  tags() {
    const name = process.env.LABBOOK_RUN_CONTEXT ? 'LABBOOK_RUN_CONTEXT' : 'MLFLOW_RUN_CONTEXT';
    const raw = process.env[name] ?? '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new LabbookError('INVALID_PARAMETER_VALUE', `${name} is not valid JSON: ${(error as Error).message}`, {
        field: name,
        cause: error,
      });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new LabbookError('INVALID_PARAMETER_VALUE', `${name} must hold a JSON object of tags`, { field: name });
    }
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  },
};

/** The providers core ships, in the order they are merged (later wins). */
export const builtInRunContextProviders: readonly RunContextProvider[] = [
  userContext,
  sourceContext,
  hostContext,
  gitContext,
  githubActionsContext,
  gitlabCiContext,
  environmentContext,
];

/**
 * Merges the tags of every provider that is in context, in order (later wins); a provider that
 * throws is reported with a warning and skipped, as MLflow does.
 */
export async function resolveContextTags(providers: readonly RunContextProvider[]): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for (const provider of providers) {
    try {
      if (!(await provider.inContext())) continue;
      Object.assign(tags, await provider.tags());
    } catch (error) {
      process.emitWarning(`[labbook] run context provider '${provider.name}' failed and was skipped: ${(error as Error).message}`, {
        code: 'LABBOOK_CONTEXT_PROVIDER',
      });
    }
  }
  return tags;
}
