import { invalidParameter } from '../errors.js';

/** A parsed `runs:/<run_id>/<path>` URI. */
export interface RunsUri {
  runId: string;
  path: string;
}

/** A parsed `models:/…` URI: by version, stage, `latest`, or alias. */
export type ModelsUri =
  | { name: string; version: string }
  | { name: string; stage: string }
  | { name: string; latest: true }
  | { name: string; alias: string };

/** True for `runs:/…` URIs. */
export function isRunsUri(uri: string): boolean {
  return /^runs:\//i.test(uri);
}

/** True for `models:/…` URIs. */
export function isModelsUri(uri: string): boolean {
  return /^models:\//i.test(uri);
}

/** Parses `runs:/<run_id>/<relative/path>` (`runs:///<id>/x` is accepted too). */
export function parseRunsUri(uri: string): RunsUri {
  const m = /^runs:\/+([^/]+)\/?(.*)$/i.exec(uri);
  if (!m || m[1] === undefined) {
    throw invalidParameter(`Not a valid runs URI: '${uri}'. Runs URIs look like runs:/<run_id>/<relative/path>.`, { field: 'uri' });
  }
  return { runId: m[1], path: m[2] ?? '' };
}

/**
 * Parses `models:/<name>/<version>`, `models:/<name>/<stage>`, `models:/<name>/latest` and
 * `models:/<name>@<alias>`.
 */
export function parseModelsUri(uri: string): ModelsUri {
  const rest = uri.replace(/^models:\/+/i, '');
  if (rest === uri || rest === '') {
    throw invalidParameter(`Not a valid models URI: '${uri}'. Expected models:/<name>/<version|stage|latest> or models:/<name>@<alias>.`, {
      field: 'uri',
    });
  }
  const at = rest.lastIndexOf('@');
  if (at > 0 && !rest.includes('/', at)) return { name: rest.slice(0, at), alias: rest.slice(at + 1) };
  const slash = rest.lastIndexOf('/');
  if (slash <= 0 || slash === rest.length - 1) {
    throw invalidParameter(`Not a valid models URI: '${uri}'. Expected models:/<name>/<version|stage|latest> or models:/<name>@<alias>.`, {
      field: 'uri',
    });
  }
  const name = rest.slice(0, slash);
  const suffix = rest.slice(slash + 1);
  if (/^\d+$/.test(suffix)) return { name, version: suffix };
  if (suffix.toLowerCase() === 'latest') return { name, latest: true };
  return { name, stage: suffix };
}

/** Appends a relative path to an artifact URI, keeping any query string at the end. */
export function appendToUri(base: string, relative: string): string {
  if (relative === '') return base;
  const q = base.indexOf('?');
  const head = q >= 0 ? base.slice(0, q) : base;
  const tail = q >= 0 ? base.slice(q) : '';
  return `${head.replace(/\/+$/, '')}/${relative.replace(/^\/+/, '')}${tail}`;
}
