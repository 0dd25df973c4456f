import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { invalidParameter, notFound } from '../errors.js';
import { isFileUri, localPathFromUri } from '../uri/local-path.js';
import { readGitInfo, redactRemoteUrl } from '../context/git-repository.js';
import { git } from './git-cli.js';

/** Where a project's files are, once fetched, and what is known of its git origin. */
export interface ProjectSource {
  /** The URI as given (with its `#subdirectory`). */
  uri: string;
  /** Absolute path of the project folder (the subdirectory when one was given). */
  dir: string;
  /** The `#subdirectory` part, if any. */
  subdirectory?: string;
  /** The value of `mlflow.source.name`. */
  sourceName: string;
  gitCommit?: string;
  gitBranch?: string;
  gitRepoUrl?: string;
  /** True when the files are a temporary clone that {@link cleanup} removes. */
  temporary: boolean;
  /** Removes a temporary clone; a no-op for a folder used in place. */
  cleanup(): Promise<void>;
}

/** Options of {@link fetchProject}. */
export interface FetchProjectOptions {
  /** A commit, branch or tag to check out (the project must be a git repository). */
  version?: string;
  /** Folder for temporary clones; default: the OS temp folder (`MLFLOW_TMP_DIR` if set). */
  storageDir?: string;
}

/** Splits `uri#subdir`, refusing `.` in the subdirectory as MLflow does. */
export function parseProjectUri(uri: string): { base: string; subdirectory?: string } {
  const hash = uri.indexOf('#');
  if (hash < 0) return { base: uri };
  const subdirectory = uri.slice(hash + 1).replace(/^\/+|\/+$/g, '');
  if (subdirectory.includes('.')) {
    throw invalidParameter(
      `'.' is not allowed in project subdirectory paths (got '#${subdirectory}' in ${uri}); name the folder below the repository root.`,
      {
        field: 'uri',
      },
    );
  }
  return { base: uri.slice(0, hash), ...(subdirectory ? { subdirectory } : {}) };
}

function localPath(base: string): string | undefined {
  if (isFileUri(base)) return localPathFromUri(base);
  // Anything with a scheme (https://, ssh://) or scp-like syntax (git@host:repo) is a git remote.
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(base) || /^[\w.-]+@[\w.-]+:/.test(base)) return undefined;
  return resolve(base);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function withSubdirectory(root: string, subdirectory: string | undefined, uri: string): string {
  const dir = subdirectory ? join(root, subdirectory) : root;
  if (!isDir(dir)) {
    throw notFound(`Project subdirectory '${subdirectory}' does not exist in ${uri}; check the part after '#'.`, { field: 'uri' });
  }
  return dir;
}

/**
 * Makes a project's files available locally: a local folder (path or `file://`) is used in place; a
 * git remote, or a local repository with `version`, is cloned with the `git` CLI into a temporary
 * folder and `version` (commit, branch or tag) checked out. Unlike `mlflow run`, a local repository
 * is never checked out in place, so the caller's working tree is left as it is.
 */
export async function fetchProject(uri: string, options: FetchProjectOptions = {}): Promise<ProjectSource> {
  const { base, subdirectory } = parseProjectUri(uri);
  const local = localPath(base);
  const sub = subdirectory ? { subdirectory } : {};
  if (local !== undefined && !existsSync(local)) {
    throw notFound(`Project ${uri} does not exist: no folder ${local}. Pass a project folder, a file:// URL or a git repository URL.`, {
      field: 'uri',
    });
  }
  if (local !== undefined && options.version === undefined) {
    if (!isDir(local))
      throw invalidParameter(`Project ${uri} is not a folder; pass the folder holding the MLproject file or the entry point.`, {
        field: 'uri',
      });
    const dir = withSubdirectory(local, subdirectory, uri);
    const info = readGitInfo(dir);
    const source: ProjectSource = { uri, dir, ...sub, sourceName: uri, temporary: false, cleanup: async () => {} };
    if (info) {
      // As MLflow: a folder inside a repository is named git-style, repository root and subfolder.
      const rel = relative(info.root, dir);
      source.sourceName = `file://${info.root}${rel ? `#${rel}` : ''}`;
      if (info.commit) source.gitCommit = info.commit;
      if (info.branch) source.gitBranch = info.branch;
      if (info.remoteUrl) source.gitRepoUrl = info.remoteUrl;
    }
    return source;
  }
  if (local !== undefined && !readGitInfo(local)) {
    throw invalidParameter(
      `--version ${options.version} needs a git repository, but ${local} is not in one; drop --version or run a repository.`,
      { field: 'version' },
    );
  }
  const storage = options.storageDir ?? process.env.LABBOOK_TMP_DIR ?? process.env.MLFLOW_TMP_DIR ?? tmpdir();
  const work = await mkdtemp(join(storage, 'labbook-project-'));
  const cleanup = () => rm(work, { recursive: true, force: true });
  try {
    const from = local ?? base;
    const cloned = await git(['clone', '--quiet', from, work]);
    if (!cloned.ok) {
      throw notFound(
        `Could not fetch project ${uri} with git: ${cloned.stderr || 'git clone failed'}. Check that the repository exists and is readable (a local folder with --version must be a git repository).`,
        { field: 'uri' },
      );
    }
    let branch: string | undefined;
    if (options.version !== undefined) {
      const checkout = await git(['checkout', '--quiet', options.version], work);
      if (!checkout.ok) {
        throw invalidParameter(
          `Version '${options.version}' of project ${uri} could not be checked out: ${checkout.stderr}. Pass a commit, branch or tag of the repository.`,
          {
            field: 'version',
          },
        );
      }
      if ((await git(['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${options.version}`], work)).ok) branch = options.version;
    } else {
      const head = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], work);
      if (head.ok && head.stdout) branch = head.stdout;
    }
    const submodules = await git(['submodule', 'update', '--init', '--recursive'], work);
    if (!submodules.ok) throw notFound(`Could not fetch the submodules of project ${uri}: ${submodules.stderr}`, { field: 'uri' });
    const commit = (await git(['rev-parse', 'HEAD'], work)).stdout;
    const dir = withSubdirectory(work, subdirectory, uri);
    const repoUrl = local !== undefined ? (readGitInfo(local)?.remoteUrl ?? `file://${local}`) : redactRemoteUrl(base);
    return {
      uri,
      dir,
      ...sub,
      sourceName: local !== undefined ? `file://${local}${subdirectory ? `#${subdirectory}` : ''}` : redactRemoteUrl(uri),
      ...(commit ? { gitCommit: commit } : {}),
      ...(branch ? { gitBranch: branch } : {}),
      gitRepoUrl: repoUrl,
      temporary: true,
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
