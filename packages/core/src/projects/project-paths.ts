import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * `path` resolved against the project folder, or undefined when it leaves it (`..`, an absolute path
 * elsewhere, or a symlink pointing out). A project's files are what it may read: a parameter that
 * points outside would make the run unreproducible from its source.
 */
export function resolveInside(projectDir: string, path: string): string | undefined {
  const root = realOrSelf(projectDir);
  const target = realOrSelf(resolve(root, path));
  return isWithin(root, target) ? target : undefined;
}

/** True when `target` is `root` or below it. */
export function isWithin(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
