/** What a project run's page shows: where it came from and the command that runs it again. */
import type { KeyValue } from './api/types';

/** The source of a run started by `labbook run` / `mlflow run`, read from its tags. */
export interface ProjectSource {
  /** `mlflow.source.name`: the project URI (git-style `file://<repo>#<subdir>` for local folders). */
  uri: string;
  repoUrl?: string;
  commit?: string;
  branch?: string;
  entryPoint: string;
  backend?: string;
  /** `labbook run …` that reproduces the run. */
  command: string;
}

// Mirrors shellQuote in @labbook/core (Python's shlex.quote), so the command pastes into a shell.
function quote(word: string): string {
  if (word === '') return "''";
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

/**
 * The project source of a run, or undefined when it was not started as a project
 * (`mlflow.source.type` is not `PROJECT`). Params were logged shell-quoted, as MLflow logs them, so
 * `-P key=<logged value>` gives the command the same value back.
 */
export function projectSourceOf(tags: KeyValue[], params: KeyValue[]): ProjectSource | undefined {
  const tag = (key: string) => tags.find((t) => t.key === key)?.value;
  if (tag('mlflow.source.type') !== 'PROJECT') return undefined;
  const uri = tag('mlflow.source.name') ?? tag('mlflow.source.git.repoURL') ?? '';
  const entryPoint = tag('mlflow.project.entryPoint') ?? 'main';
  const commit = tag('mlflow.source.git.commit');
  const backend = tag('mlflow.project.backend');
  const parts = ['labbook run', quote(uri)];
  if (entryPoint !== 'main') parts.push('-e', quote(entryPoint));
  for (const p of params) parts.push('-P', `${quote(p.key)}=${p.value}`);
  if (backend && backend !== 'local' && backend !== 'docker') parts.push('-b', quote(backend));
  if (commit) parts.push('--version', commit);
  const source: ProjectSource = { uri, entryPoint, command: parts.join(' ') };
  const repoUrl = tag('mlflow.source.git.repoURL');
  const branch = tag('mlflow.source.git.branch');
  if (repoUrl) source.repoUrl = repoUrl;
  if (commit) source.commit = commit;
  if (branch) source.branch = branch;
  if (backend) source.backend = backend;
  return source;
}
