import { resolve } from 'node:path';
import { invalidParameter, isInside, isRealPathInside } from '@labbook/core/plugin';
import { MSG } from './constants.js';

/**
 * Joins `segments` under `root` and checks that the result stays strictly below it. Core validates
 * keys and names before a store sees them; this is the defensive second check.
 *
 * @throws LabbookError INVALID_PARAMETER_VALUE for a NUL byte or a path that is the root or leaves it
 */
export function containedPath(root: string, ...segments: string[]): string {
  for (const s of segments) {
    if (s.includes('\0')) throw invalidParameter(`${MSG} invalid path segment: it holds a NUL byte; remove it from the name`);
  }
  const target = resolve(root, ...segments);
  if (!isInside(root, target) || target === root) {
    throw invalidParameter(`${MSG} path '${segments.join('/')}' leaves the store root; name a path below it`);
  }
  return target;
}

/**
 * Checks that `target` really lies inside `root`, through symlinks (core's `isRealPathInside`), so a
 * symlink planted in the tree cannot redirect a read or write outside it.
 *
 * @throws LabbookError INVALID_PARAMETER_VALUE when it resolves outside
 */
export function assertRealPathInside(root: string, target: string): void {
  if (!isRealPathInside(root, target)) {
    throw invalidParameter(`${MSG} path resolves outside the artifact root (symlink); remove the link or point it inside the root`);
  }
}
