import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabbookError, invalidParameter } from '@labbook/core';
import { MSG } from './constants.js';

/**
 * The absolute local path of a store URI: a bare path (relative to the working directory), a
 * `file:///abs` URI, or `file:relative` (MLflow accepts both spellings).
 */
export function localPathFromUri(uri: string): string {
  if (/^file:/i.test(uri)) {
    if (/^file:\/\//i.test(uri)) {
      try {
        return fileURLToPath(uri.replace(/^file:/i, 'file:'));
      } catch (error) {
        throw invalidParameter(`${MSG} not a local file URI: '${uri}'`, { field: 'uri', cause: error });
      }
    }
    return resolve(decodeURIComponent(uri.slice('file:'.length)));
  }
  // `~` and `~/x` are the user's home, as a shell (and MLflow's os.path.expanduser) reads them.
  if (uri === '~' || uri.startsWith('~/')) return join(homedir(), uri.slice(1));
  return resolve(uri);
}

/** True when `child` is `root` or lies under it (both absolute and normalised). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Joins `segments` under `root` and checks that the result stays inside it. Core validates keys and
 * names before a store sees them; this is the defensive second check.
 */
export function containedPath(root: string, ...segments: string[]): string {
  for (const s of segments) {
    if (s.includes('\0')) throw invalidParameter(`${MSG} invalid path segment`);
  }
  const target = resolve(root, ...segments);
  if (!isInside(root, target) || target === root) {
    throw new LabbookError('INVALID_PARAMETER_VALUE', `${MSG} path '${segments.join('/')}' leaves the store root`);
  }
  return target;
}

/**
 * Checks that the deepest existing ancestor of `target` resolves (through symlinks) inside
 * `realRoot` (the real path of `root`), so a symlink planted in the tree cannot redirect a read or write outside it.
 */
export function assertRealpathInside(root: string, realRoot: string, target: string): void {
  let probe = target;
  for (;;) {
    // Above the root nothing is user-controlled (the root itself may not exist yet).
    if (!isInside(root, probe)) return;
    try {
      const real = realpathSync(probe);
      if (!isInside(realRoot, real)) {
        throw new LabbookError('INVALID_PARAMETER_VALUE', `${MSG} path resolves outside the artifact root (symlink)`);
      }
      return;
    } catch (error) {
      if (LabbookError.is(error)) throw error;
      const parent = resolve(probe, '..');
      if (parent === probe) return;
      probe = parent;
    }
  }
}
