import { existsSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { type FileToWrite, tempPathFor, writeFilesSynced } from './atomic-write.js';
import { META_FILE } from './constants.js';
import { containedPath } from './uri.js';

/**
 * Builds a folder under a temp name and renames it into place, so other processes never see an
 * experiment or run without its meta.yaml. The folder is invisible until the rename, so its files
 * are written under their own names, and synced together: one wait for the disk, and a crash after
 * the rename cannot leave an empty meta.yaml or tag file. An existing target fails as a
 * {@link isRenameConflict rename conflict}.
 */
export async function publishFolder(
  target: string,
  meta: string,
  subfolders: readonly string[],
  tags: ReadonlyArray<{ key: string; value: string }>,
  fsync: boolean,
): Promise<void> {
  const tmp = tempPathFor(target);
  await fsp.mkdir(tmp);
  try {
    await Promise.all(subfolders.map((sub) => fsp.mkdir(join(tmp, sub))));
    // A key given twice keeps its last value, as rewriting the file did.
    const byKey = new Map<string, string>();
    for (const tag of tags) byKey.set(tag.key, tag.value);
    const files: FileToWrite[] = [{ path: join(tmp, META_FILE), data: meta }];
    const tagsDir = join(tmp, 'tags');
    if (byKey.size > 0 && !subfolders.includes('tags')) await fsp.mkdir(tagsDir);
    for (const [key, value] of byKey) {
      const path = containedPath(tagsDir, key);
      // Keys with `/` are nested folders.
      if (key.includes('/')) await fsp.mkdir(resolve(path, '..'), { recursive: true });
      files.push({ path, data: value });
    }
    await writeFilesSynced(files, fsync);
    // rename(2) replaces an empty target folder silently, so refuse an existing target first.
    if (existsSync(target)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    await fsp.rename(tmp, target);
  } catch (error) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/** True when a folder could not be published because its target exists (another writer won). */
export function isRenameConflict(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EEXIST' || code === 'ENOTEMPTY';
}
