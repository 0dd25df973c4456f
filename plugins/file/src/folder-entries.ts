import { type Dirent, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isTempName, sweepStaleTemp } from './atomic-write.js';

/**
 * The entries of a folder, without labbook's temp entries (an atomic write or a folder being
 * published); a missing or unreadable folder has none. With `onSwept`, temp entries left by a killed
 * writer are removed as they are met and each removed path is passed to it; without, temps are only
 * skipped.
 */
export function folderEntries(dir: string, onSwept?: (path: string) => void): Dirent[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  // Listings sit on the search path: the common folder has no temp entry, so it is returned as read
  // and a copy is made only once one turns up.
  let kept: Dirent[] | undefined;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (!isTempName(e.name)) {
      kept?.push(e);
      continue;
    }
    kept ??= entries.slice(0, i);
    if (!onSwept) continue;
    const path = join(dir, e.name);
    if (sweepStaleTemp(path, e.name)) onSwept(path);
  }
  return kept ?? entries;
}
