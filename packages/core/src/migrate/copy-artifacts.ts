import type { FileInfo } from '../entities/tracking.js';
import type { ArtifactRepository } from '../interfaces/artifact-repository.js';
import type { StoreFactoryOptions } from '../plugins/define-plugin.js';

/** Builds artifact repositories for the copy, closing each when done. */
export type RepositoryResolver = (uri: string, options: StoreFactoryOptions) => Promise<ArtifactRepository>;

/** Every file under a folder of a repository, depth first. */
async function* walk(repo: ArtifactRepository, dir: string): AsyncGenerator<FileInfo> {
  for (const entry of await repo.list(dir)) {
    if (entry.isDir) yield* walk(repo, entry.path);
    else yield entry;
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/**
 * Copies every file from one artifact root to another, streaming. A file already in the target with
 * the same size is skipped, so a rerun after an interruption copies only what is missing (a put never
 * leaves a partial file visible). Returns how many files the source holds; `onFile` is called for each.
 */
export async function copyArtifactTree(
  resolve: RepositoryResolver,
  from: { uri: string; options: StoreFactoryOptions },
  to: { uri: string; options: StoreFactoryOptions },
  onFile: () => void,
): Promise<number> {
  if (!from.uri || !to.uri || from.uri === to.uri) return 0;
  const source = await resolve(from.uri, from.options);
  try {
    const target = await resolve(to.uri, to.options);
    try {
      const listed = new Map<string, Map<string, FileInfo>>();
      const targetEntry = async (path: string) => {
        const dir = parentOf(path);
        let entries = listed.get(dir);
        if (!entries) {
          entries = new Map((await target.list(dir)).map((e) => [e.path, e]));
          listed.set(dir, entries);
        }
        return entries.get(path);
      };
      let files = 0;
      for await (const file of walk(source, '')) {
        files++;
        const there = await targetEntry(file.path);
        if (!(there && !there.isDir && (file.fileSize === undefined || there.fileSize === file.fileSize))) {
          const body = await source.get(file.path);
          await target.put(file.path, body, file.fileSize !== undefined ? { size: file.fileSize } : {});
        }
        onFile();
      }
      return files;
    } finally {
      await target.close?.();
    }
  } finally {
    await source.close?.();
  }
}

/** How many files an artifact root holds. */
export async function countArtifactFiles(resolve: RepositoryResolver, uri: string, options: StoreFactoryOptions): Promise<number> {
  if (!uri) return 0;
  const repo = await resolve(uri, options);
  try {
    let n = 0;
    for await (const _ of walk(repo, '')) n++;
    return n;
  } finally {
    await repo.close?.();
  }
}
