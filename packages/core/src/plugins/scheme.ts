import { invalidParameter } from '../errors.js';

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
const WINDOWS_DRIVE = /^[a-zA-Z]:[\\/]/;
// A bare word is only a path when it says so: a separator anywhere, a leading `.`/`..` segment, or a
// leading `~` segment. `databricks` or `sqlite` alone is a URI with its `scheme://` forgotten, and
// treating it as a folder silently creates an empty store there (MLflow issue #3415).
const PATH_LIKE = /^(?:\.{1,2}|~)(?:[\\/]|$)|[\\/]/;

/**
 * The plugin scheme of a store or repository URI: a path (or a Windows drive path) is `file`,
 * `file:` is `file`, and a `+driver` suffix is dropped as MLflow does for database URIs
 * (`mysql+pymysql://` → `mysql`). Schemes are lower-cased.
 *
 * A path is something that looks like one: `./x`, `../x`, `/x`, `x/y`, `.`, `~`, `~/x`, `C:\x`.
 *
 * @throws LabbookError INVALID_PARAMETER_VALUE for an empty URI, a bare word (`databricks`), or more
 * than one `+driver` part
 */
export function parseScheme(uri: string): string {
  if (typeof uri !== 'string' || uri.trim() === '') {
    throw invalidParameter('Invalid URI: expected a non-empty string', { field: 'uri' });
  }
  if (WINDOWS_DRIVE.test(uri)) return 'file';
  const match = SCHEME.exec(uri);
  if (!match) {
    if (PATH_LIKE.test(uri)) return 'file';
    throw bareWord(uri);
  }
  const scheme = match[1]!.toLowerCase();
  const parts = scheme.split('+');
  if (parts.length > 2) {
    throw invalidParameter(`Invalid URI '${redactUri(uri)}': at most one '+driver' is allowed in the scheme '${scheme}'`, {
      field: 'uri',
    });
  }
  return parts[0]!;
}

function bareWord(uri: string) {
  const word = uri.trim();
  // Only a word that could be a scheme gets the `word://…` hint; `my runs` could not.
  const asScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(word)
    ? `'${word.toLowerCase()}://…' (with a plugin that provides '${word.toLowerCase()}' installed)`
    : `'<scheme>://…'`;
  return invalidParameter(
    `[labbook] Invalid URI '${uri}': it is neither a path nor a URI with a scheme. ` +
      `For a folder named '${word}' write './${word}' (or an absolute path, or 'file:…'); ` +
      `for another kind of store write the URI with its scheme, such as ${asScheme} or 'mysql://user@host/db'.`,
    { field: 'uri' },
  );
}

/** The URI with any password replaced by `***`, for messages and logs. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/:@]*):[^/@]*@/, '$1:***@');
}
