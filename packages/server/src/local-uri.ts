import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabbookError, parseScheme } from '@labbook/core';

/** True for URIs the file plugin would serve: bare paths and `file:` URIs. */
export function isLocalUri(uri: string): boolean {
  return parseScheme(uri) === 'file';
}

/** The absolute local path of a bare path or `file:` URI (fully percent-decoded for `file:`). */
export function localPathOf(uri: string, field: string): string {
  try {
    if (/^file:\/\//i.test(uri)) return fileURLToPath(uri);
    if (/^file:/i.test(uri)) return resolve(decodeURIComponent(uri.slice('file:'.length)));
    return resolve(uri);
  } catch (error) {
    throw new LabbookError('INVALID_PARAMETER_VALUE', `Invalid value for ${field}: not a usable local path`, { field, cause: error });
  }
}

/** True when `child` is `root` or lies under it (both absolute). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
