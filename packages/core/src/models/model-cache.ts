import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { downloadToLocal } from '../artifacts/local-transfer.js';
import { LabbookError, notFound } from '../errors.js';
import type { ArtifactRepository } from '../interfaces/artifact-repository.js';
import { MLMODEL_FILE } from './mlmodel.js';

/** The cache root: `LABBOOK_MODEL_CACHE`, else `~/.cache/labbook/models`. */
export function defaultModelCacheDir(): string {
  return process.env.LABBOOK_MODEL_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'labbook', 'models');
}

interface ListedFile {
  path: string;
  size?: number;
}

async function listTree(repo: ArtifactRepository, path: string): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  const queue = [path];
  while (queue.length > 0) {
    const folder = queue.shift()!;
    for (const info of await repo.list(folder)) {
      if (info.isDir) queue.push(info.path);
      else
        out.push({
          path: path === '' ? info.path : info.path.slice(path.length + 1),
          ...(info.fileSize !== undefined ? { size: info.fileSize } : {}),
        });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

function matches(dir: string, files: ListedFile[]): string | undefined {
  if (!existsSync(join(dir, MLMODEL_FILE))) return `${MLMODEL_FILE} is missing`;
  for (const f of files) {
    const local = join(dir, ...f.path.split('/'));
    if (!existsSync(local)) return `${f.path} is missing`;
    if (f.size !== undefined && statSync(local).size !== f.size)
      return `${f.path} has ${statSync(local).size} bytes, the listing says ${f.size}`;
  }
  return undefined;
}

/**
 * The local copy of a remote model folder: downloaded once into `<cacheRoot>/<sha256(key)>/model`,
 * checked against the repository's listing (MLmodel present, every file there with the listed
 * size), and reused while it still matches the listing saved beside it. `key` is the resolved
 * artifact URI plus, for registry URIs, the model version, so a new version is a new download.
 */
export async function cachedModelDir(
  repo: ArtifactRepository,
  path: string,
  key: string,
  cacheRoot = defaultModelCacheDir(),
): Promise<string> {
  const slot = join(cacheRoot, createHash('sha256').update(key).digest('hex').slice(0, 32));
  const dir = join(slot, 'model');
  const listingFile = join(slot, 'listing.json');
  if (existsSync(listingFile)) {
    try {
      const saved = JSON.parse(readFileSync(listingFile, 'utf8')) as { key: string; files: ListedFile[] };
      if (saved.key === key && matches(dir, saved.files) === undefined) return dir;
    } catch {
      // An unreadable listing means a broken cache entry: download again below.
    }
  }
  const files = await listTree(repo, path);
  if (!files.some((f) => f.path === MLMODEL_FILE)) {
    throw notFound(
      `No MLmodel file at ${repo.rootUri}${path ? `/${path}` : ''}: the URI must name a model folder (e.g. runs:/<run_id>/model). Found ${files.length} files.`,
    );
  }
  await mkdir(slot, { recursive: true });
  const staging = join(slot, `.download-${randomUUID()}`);
  try {
    const local = await downloadToLocal(repo, path, staging);
    const problem = matches(local, files);
    if (problem)
      throw new LabbookError(
        'DATA_LOSS',
        `The download of ${repo.rootUri}/${path} is incomplete (${problem}). Retry; if it persists, check the artifact store.`,
      );
    await rm(dir, { recursive: true, force: true });
    await rename(local, dir);
    await writeFile(listingFile, JSON.stringify({ key, files }), 'utf8');
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return dir;
}
