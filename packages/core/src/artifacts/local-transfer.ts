import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { invalidParameter, LabbookError, notFound } from '../errors.js';
import type { FileInfo } from '../entities/tracking.js';
import type { ArtifactRepository, TransferOptions } from '../interfaces/artifact-repository.js';
import { joinArtifactPath, normalizeArtifactFilePath, normalizeArtifactPath } from './artifact-path.js';
import { forEachBounded } from './bounded-pool.js';
import { writeFileFromStream } from './stream-helpers.js';

/** What a tree transfer is about to move, known once the tree has been walked or listed. */
export interface TransferPlan {
  files: number;
  /** Sum of the files' sizes; absent when a listing did not give every size. */
  bytesTotal?: number;
}

/** Options of the tree transfers. */
export interface TreeTransferOptions extends Pick<TransferOptions, 'onProgress' | 'signal'> {
  /** Files moved at once (default 8). */
  concurrency?: number;
  /**
   * Called once, before the first byte moves, with the number of files and their total size, so a
   * progress display can show a whole-transfer percentage rather than one per file.
   */
  onPlan?: (plan: TransferPlan) => void;
}

function sizeSum(sizes: Array<number | undefined>): number | undefined {
  let sum = 0;
  for (const size of sizes) {
    if (size === undefined) return undefined;
    sum += size;
  }
  return sum;
}

/**
 * Ends a file's progress with its whole size as the total: repositories that stream without knowing
 * the length report bytes only, and a display counting finished files needs to see each one end.
 */
async function reportFinished(options: TransferOptions, path: string, localFile: string, size?: number): Promise<void> {
  if (!options.onProgress) return;
  const bytes = size ?? (await stat(localFile)).size;
  options.onProgress({ path, bytesDone: bytes, bytesTotal: bytes });
}

async function uploadOne(repo: ArtifactRepository, localFile: string, path: string, options: TransferOptions): Promise<void> {
  let size = options.size;
  if (repo.uploadFile) await repo.uploadFile(localFile, path, options);
  else {
    size ??= (await stat(localFile)).size;
    await repo.put(path, createReadStream(localFile), { ...options, size });
  }
  await reportFinished(options, path, localFile, size);
}

/**
 * Copies one local file to `<artifactPath>/<basename>` in the repository (MLflow's `log_artifact`),
 * streaming it. Returns the artifact path written.
 */
export async function uploadLocalFile(
  repo: ArtifactRepository,
  localFile: string,
  artifactPath?: string,
  options: TransferOptions = {},
): Promise<string> {
  const st = await stat(localFile).catch((cause) => {
    throw notFound(`Local file '${localFile}' does not exist`, { field: 'local_path', cause });
  });
  if (!st.isFile()) throw invalidParameter(`'${localFile}' is not a file; use logArtifacts for folders`, { field: 'local_path' });
  const target = normalizeArtifactFilePath(joinArtifactPath(normalizeArtifactPath(artifactPath, 'artifact_path'), basename(localFile)));
  await uploadOne(repo, localFile, target, { ...options, size: st.size });
  return target;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/**
 * Copies a local folder's contents recursively under `artifactPath` (MLflow's `log_artifacts`),
 * with bounded parallelism. Returns the artifact paths written.
 */
export async function uploadLocalDir(
  repo: ArtifactRepository,
  localDir: string,
  artifactPath?: string,
  options: TreeTransferOptions = {},
): Promise<string[]> {
  const st = await stat(localDir).catch((cause) => {
    throw notFound(`Local folder '${localDir}' does not exist`, { field: 'local_dir', cause });
  });
  if (!st.isDirectory()) throw invalidParameter(`'${localDir}' is not a folder`, { field: 'local_dir' });
  const base = normalizeArtifactPath(artifactPath, 'artifact_path');
  const files = await walk(localDir);
  const targets = files.map((f) => normalizeArtifactFilePath(joinArtifactPath(base, relative(localDir, f).split(sep).join('/'))));
  if (options.onPlan) {
    const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
    options.onPlan({ files: files.length, bytesTotal: sizes.reduce((a, b) => a + b, 0) });
  }
  await forEachBounded(
    files.map((f, i) => [f, targets[i]!] as const),
    options.concurrency ?? 8,
    ([file, target]) => uploadOne(repo, file, target, options),
  );
  return targets;
}

async function downloadOne(
  repo: ArtifactRepository,
  path: string,
  localFile: string,
  options: TransferOptions,
  folderMade = false,
): Promise<void> {
  if (!folderMade) await mkdir(dirname(localFile), { recursive: true });
  if (repo.downloadFile) await repo.downloadFile(path, localFile, options);
  else await writeFileFromStream(() => repo.get(path, options), localFile);
  await reportFinished(options, path, localFile);
}

// Bounds on a tree download, far beyond real artifact trees: a repository whose listing repeats
// itself (a store that follows a link back up, `a/loop -> ..`) would otherwise walk forever, one
// level deeper each time, or exponentially wider when two such links meet.
const MAX_TREE_DEPTH = 128;
const MAX_TREE_FOLDERS = 1_000_000;

function localPathFor(root: string, artifactPath: string): string {
  // Listing entries come from the repository; check them like any input before joining.
  const safe = normalizeArtifactPath(artifactPath, 'listing path');
  return join(root, ...safe.split('/'));
}

/**
 * Downloads a file or a folder tree (MLflow's `download_artifacts`) into `dstPath` (created when
 * missing; a temporary folder when absent), keeping the relative layout and recreating empty
 * folders. Returns the local path of what was downloaded.
 */
export async function downloadToLocal(
  repo: ArtifactRepository,
  artifactPath: string | undefined,
  dstPath?: string,
  options: TreeTransferOptions = {},
): Promise<string> {
  const path = normalizeArtifactPath(artifactPath, 'artifact_path');
  let dst = dstPath;
  if (dst === undefined) dst = await mkdtemp(join(tmpdir(), 'labbook-artifacts-'));
  else {
    const st = await stat(dst).catch(() => undefined);
    if (st && !st.isDirectory())
      throw invalidParameter(`The destination path for downloaded artifacts '${dst}' must be a folder`, { field: 'dst_path' });
    await mkdir(dst, { recursive: true });
  }
  const root = dst;
  const entries = await repo.list(path);
  if (entries.length === 0 && path !== '') {
    const local = localPathFor(root, path);
    try {
      // One file: its size arrives with its first progress event, not from a listing.
      options.onPlan?.({ files: 1 });
      await downloadOne(repo, path, local, options);
      return local;
    } catch (error) {
      if (LabbookError.is(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') {
        throw notFound(`No artifact at '${path}' in ${repo.rootUri}`, { field: 'path', cause: error });
      }
      throw error;
    }
  }
  const concurrency = options.concurrency ?? 8;
  const baseDepth = path === '' ? 0 : path.split('/').length;
  const files: string[] = [];
  const sizes: Array<number | undefined> = [];
  const folders: string[] = [path];
  // One level of the tree at a time, its folders listed in parallel: a round trip per folder one
  // after the other dominated trees of many small folders on remote stores.
  let level: Array<{ folder: string; listing?: FileInfo[] }> = [{ folder: path, listing: entries }];
  while (level.length > 0) {
    const next: typeof level = [];
    await forEachBounded(level, concurrency, async (item) => {
      for (const info of item.listing ?? (await repo.list(item.folder))) {
        const child = normalizeArtifactPath(info.path, 'listing path');
        // A listing names children of the folder listed; anything else (the folder itself, a
        // sibling) would loop or write outside what was asked for.
        if (child === '' || (item.folder !== '' && !child.startsWith(`${item.folder}/`))) {
          throw new LabbookError(
            'INTERNAL_ERROR',
            `Listing '${item.folder}' in ${repo.rootUri} returned '${child}', which is not inside it`,
          );
        }
        if (info.isDir) {
          if (child.split('/').length - baseDepth > MAX_TREE_DEPTH || folders.length + next.length >= MAX_TREE_FOLDERS) {
            throw new LabbookError(
              'INTERNAL_ERROR',
              `Listing ${repo.rootUri} under '${path || '/'}' reached '${child.length > 200 ? `${child.slice(0, 200)}…` : child}', more than ${MAX_TREE_DEPTH} folders deep or ${MAX_TREE_FOLDERS} folders in all: ` +
                'the listing probably repeats itself (a link to a folder above it?). Remove the loop from the artifacts, or download a sub-folder that has none.',
            );
          }
          next.push({ folder: child });
        } else {
          files.push(child);
          sizes.push(info.fileSize);
        }
      }
    });
    for (const item of next) folders.push(item.folder);
    level = next;
  }
  // Every folder made once, parents first, so the files need no mkdir of their own.
  for (const folder of folders) await mkdir(localPathFor(root, folder), { recursive: true });
  const bytesTotal = sizeSum(sizes);
  options.onPlan?.({ files: files.length, ...(bytesTotal !== undefined ? { bytesTotal } : {}) });
  await forEachBounded(files, concurrency, (file) => downloadOne(repo, file, localPathFor(root, file), options, true));
  return localPathFor(root, path);
}
