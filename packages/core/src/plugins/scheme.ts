import { invalidParameter } from '../errors.js';

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
const WINDOWS_DRIVE = /^[a-zA-Z]:[\\/]/;

/**
 * The plugin scheme of a store or repository URI: a bare path (or a Windows drive path) is `file`,
 * `file:` is `file`, and a `+driver` suffix is dropped as MLflow does for database URIs
 * (`mysql+pymysql://` → `mysql`). Schemes are lower-cased.
 *
 * @throws LabbookError INVALID_PARAMETER_VALUE for an empty URI or more than one `+driver` part
 */
export function parseScheme(uri: string): string {
  if (typeof uri !== 'string' || uri.trim() === '') {
    throw invalidParameter('Invalid URI: expected a non-empty string', { field: 'uri' });
  }
  if (WINDOWS_DRIVE.test(uri)) return 'file';
  const match = SCHEME.exec(uri);
  if (!match) return 'file';
  const scheme = match[1]!.toLowerCase();
  const parts = scheme.split('+');
  if (parts.length > 2) {
    throw invalidParameter(`Invalid URI '${redactUri(uri)}': at most one '+driver' is allowed in the scheme '${scheme}'`, {
      field: 'uri',
    });
  }
  return parts[0]!;
}

/** The URI with any password replaced by `***`, for messages and logs. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/:@]*):[^/@]*@/, '$1:***@');
}
