import YAML from 'yaml';
import { MSG } from './constants.js';
import { LabbookError } from '@labbook/core';

/**
 * Dumps a flat mapping as MLflow's `write_yaml` does (PyYAML safe_dump: block style, keys sorted,
 * YAML 1.1 quoting so that `'0'`, `'yes'` and `''` stay strings, single quotes preferred, width 80).
 */
export function dumpYaml(data: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(data).sort()) sorted[key] = data[key];
  return YAML.stringify(sorted, { version: '1.1', singleQuote: true, lineWidth: 80, minContentWidth: 0 });
}

const PLAIN_INT = /^-?[0-9]+$/;

/**
 * Parses a `meta.yaml`. The files MLflow and labbook write are flat `key: scalar` mappings, so a fast
 * line parser handles the common shapes and the `yaml` package (YAML 1.1 schema, like PyYAML) handles
 * anything else (folded lines, escapes, nested values).
 */
export function parseYaml(text: string, path: string): Record<string, unknown> {
  const fast = parseFlat(text);
  if (fast) return fast;
  try {
    const value = YAML.parse(text, { version: '1.1' }) as unknown;
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error('not a mapping');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new LabbookError('INTERNAL_ERROR', `${MSG} malformed YAML in ${path}`, { cause: error });
  }
}

function parseFlat(text: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    const line = text.slice(start, end);
    start = end + 1;
    if (line === '') continue;
    const c0 = line.charCodeAt(0);
    // Indented, comment, directive or document markers: leave to the full parser.
    if (c0 === 32 || c0 === 35 || c0 === 37 || c0 === 45 || c0 === 39 || c0 === 34) return undefined;
    const colon = line.indexOf(': ');
    if (colon <= 0) {
      if (line.endsWith(':')) return undefined;
      return undefined;
    }
    // Most lines repeat across runs (`status: 3`, `tags: []`, `lifecycle_stage: active`): memoise them.
    let parsed = lineMemo.get(line);
    if (parsed === undefined) {
      const key = line.slice(0, colon);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return undefined;
      const value = parseScalar(line.slice(colon + 2));
      if (value === UNSUPPORTED) return undefined;
      parsed = [key, value];
      if (lineMemo.size >= 4096) lineMemo.clear();
      if (line.length < 120) lineMemo.set(line, parsed);
    }
    // Arrays and mappings are mutable: hand out fresh ones.
    const v = parsed[1];
    out[parsed[0]] = Array.isArray(v) ? [] : v !== null && typeof v === 'object' ? {} : v;
  }
  return out;
}

const UNSUPPORTED = Symbol('unsupported');
const lineMemo = new Map<string, [string, unknown]>();

function parseScalar(raw: string): unknown {
  if (raw === 'null' || raw === '~' || raw === '') return null;
  if (raw === '[]') return [];
  if (raw === '{}') return {};
  if (PLAIN_INT.test(raw)) {
    const n = Number(raw);
    return Number.isSafeInteger(n) ? n : UNSUPPORTED;
  }
  const c0 = raw.charCodeAt(0);
  if (c0 === 39) {
    // Single-quoted on one line: '' is the only escape.
    if (raw.length < 2 || raw.charCodeAt(raw.length - 1) !== 39) return UNSUPPORTED;
    const inner = raw.slice(1, -1);
    if (/'(?!')/.test(inner.replaceAll("''", ''))) return UNSUPPORTED;
    return inner.replaceAll("''", "'");
  }
  // Plain scalars: anything that could be typed (bool, float, date…) or is special goes to the parser.
  if (/^[A-Za-z0-9_./][A-Za-z0-9_.:/ @+=-]*$/.test(raw) && !/ #|: | $/.test(raw)) {
    const lower = raw.toLowerCase();
    if (/^(true|false|yes|no|on|off|y|n)$/.test(lower)) return UNSUPPORTED;
    if (/^[-+]?(\.[0-9]|[0-9])/.test(raw) && /^[-+0-9.eE_:]+$/.test(raw)) return UNSUPPORTED;
    if (/^\.(nan|inf)$/i.test(raw)) return UNSUPPORTED;
    if (/^\d{4}-\d\d?-\d\d?/.test(raw)) return UNSUPPORTED;
    return raw;
  }
  return UNSUPPORTED;
}
