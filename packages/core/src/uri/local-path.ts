import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidParameter } from '../errors.js';

// RFC 3986 §3.1: schemes are case-insensitive, so `FILE:` is `file:`.
const FILE_SCHEME = /^file:/i;
const FILE_AUTHORITY = /^file:\/\//i;
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
// `C:\data` parses as scheme `c`; it is a Windows path, not a URI.
const WINDOWS_DRIVE = /^[a-zA-Z]:[\\/]/;

/** True for a `file:` URI, in any letter case (`file:///x`, `FILE:x`). */
export function isFileUri(uri: string): boolean {
  return FILE_SCHEME.test(uri);
}

/**
 * True for what names a local file or folder: a `file:` URI (any case), a bare path (`mlruns`,
 * `./x`, `/x`, `~/x`) or a Windows drive path. Anything with another scheme (`s3://`, `runs:/`) is not.
 */
export function isLocalPathUri(uri: string): boolean {
  return isFileUri(uri) || WINDOWS_DRIVE.test(uri) || !SCHEME.test(uri);
}

/** Options of {@link localPathFromUri}. */
export interface LocalPathOptions {
  /** The input field named in errors (default `uri`). */
  field?: string;
  /** The folder relative paths are resolved against (default: the working directory). */
  base?: string;
}

/**
 * The absolute local path a URI names. Accepted forms:
 * - `file:///abs` and `file://localhost/abs` (percent-decoded as a URL);
 * - `file:relative` and `file:/abs` (MLflow writes both; percent-decoded, relative to `base`);
 * - a bare path, relative to `base`; `~` and `~/x` are the user's home, as a shell
 *   (and MLflow's `os.path.expanduser`) reads them.
 *
 * The scheme is matched case-insensitively. A bare path is taken literally (no percent-decoding).
 *
 * @param uri - a bare path or a `file:` URI (check other schemes first with {@link isLocalPathUri})
 * @throws LabbookError INVALID_PARAMETER_VALUE for a `file:` URI with a remote host or a malformed escape
 */
export function localPathFromUri(uri: string, options: LocalPathOptions = {}): string {
  const { field = 'uri', base = process.cwd() } = options;
  if (isFileUri(uri)) {
    const bad = (cause: unknown) =>
      invalidParameter(
        `Invalid value for ${field}: '${uri}' is not a usable local file URI. Write file:///absolute/path (or a plain path), with '%' written as %25.`,
        { field, cause },
      );
    const normalized = uri.replace(FILE_SCHEME, 'file:');
    if (FILE_AUTHORITY.test(normalized)) {
      try {
        return fileURLToPath(normalized);
      } catch (error) {
        throw bad(error);
      }
    }
    try {
      return resolve(base, decodeURIComponent(normalized.slice('file:'.length)));
    } catch (error) {
      throw bad(error);
    }
  }
  if (uri === '~' || uri.startsWith('~/')) return join(homedir(), uri.slice(1));
  return resolve(base, uri);
}

/**
 * The absolute local path of a local URI (see {@link localPathFromUri}), or undefined when the URI
 * has another scheme and so names something that is not on this machine's disk.
 */
export function localPathIfLocal(uri: string, options: LocalPathOptions = {}): string | undefined {
  return isLocalPathUri(uri) ? localPathFromUri(uri, options) : undefined;
}

/**
 * True when `child` is `root` or lies below it. Both must be absolute; the test is on normalised
 * paths, not string prefixes, so `/a/bc` is not inside `/a/b` and `/a/b/../c` is not either.
 * Symlinks are not followed: use {@link isRealPathInside} where the tree may hold links.
 */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  // `..foo` is a child's name, `..` and `../x` leave; an absolute `rel` is another drive on Windows.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * The real path of `path`: its deepest existing ancestor with symlinks resolved, joined with the
 * part that does not exist yet. A path about to be created is judged by where it would really land.
 */
export function realPathOf(path: string): string {
  const rest: string[] = [];
  let head = resolve(path);
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return resolve(path);
      rest.push(basename(head));
      head = parent;
    }
  }
}

/**
 * Like {@link isInside}, but on real paths ({@link realPathOf}), so a symlink planted under `root`
 * that points elsewhere does not count as inside, and a `root` reached through a link still holds its files.
 */
export function isRealPathInside(root: string, child: string): boolean {
  return isInside(realPathOf(root), realPathOf(child));
}
