import { resolve } from 'node:path';
import { isInside, realPathOf } from '../uri/local-path.js';

/**
 * `path` resolved against the project folder, or undefined when it leaves it (`..`, an absolute path
 * elsewhere, or a symlink pointing out). A project's files are what it may read: a parameter that
 * points outside would make the run unreproducible from its source.
 */
export function resolveInside(projectDir: string, path: string): string | undefined {
  const root = realPathOf(projectDir);
  const target = realPathOf(resolve(root, path));
  return isInside(root, target) ? target : undefined;
}
