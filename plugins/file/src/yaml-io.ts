import YAML from 'yaml';
import { MSG } from './constants.js';
import { LabbookError } from '@labbook/core/plugin';

/**
 * Dumps a flat mapping as MLflow's `write_yaml` does (PyYAML safe_dump: block style, keys sorted,
 * YAML 1.1 quoting so that `'0'`, `'yes'` and `''` stay strings, single quotes preferred, width 80).
 */
export function dumpYaml(data: Record<string, unknown>): string {
  let out = '';
  for (const key of Object.keys(data).sort()) {
    const value = data[key];
    // `=` is YAML 1.1's "value" tag: PyYAML quotes it and its safe loader refuses it plain.
    const text =
      value === '='
        ? `${key}: '='\n`
        : YAML.stringify({ [key]: value }, { version: '1.1', singleQuote: true, lineWidth: 0, minContentWidth: 0 });
    out += foldLikePyYaml(text);
  }
  return out;
}

/**
 * PyYAML folds a long plain or single-quoted scalar at a single space once the line has already
 * passed 80 columns (so lines end up a word longer than 80), continuing with a two-space indent.
 * Reproduce that so long names give the same bytes.
 */
function foldLikePyYaml(text: string): string {
  if (text.length <= 81 || text.indexOf('\n') !== text.length - 1) return text;
  const colon = text.indexOf(': ');
  if (colon < 0) return text;
  const value = text.slice(colon + 2, -1);
  const c0 = value[0];
  if (c0 === '"' || c0 === '|' || c0 === '>') return text;
  let out = text.slice(0, colon + 2);
  let column = out.length;
  const quoted = c0 === "'";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const single = ch === ' ' && value[i - 1] !== ' ' && value[i + 1] !== ' ';
    const inside = quoted ? i > 1 && i < value.length - 2 : i > 0 && i < value.length - 1;
    if (single && inside && column > 80) {
      out += '\n  ';
      column = 2;
      continue;
    }
    out += ch;
    column++;
  }
  return `${out}\n`;
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
  let value: unknown;
  try {
    value = YAML.parse(text, { version: '1.1' }) as unknown;
  } catch (error) {
    throw new LabbookError('INTERNAL_ERROR', `${MSG} malformed YAML in ${path}`, { cause: error });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new LabbookError('INTERNAL_ERROR', `${MSG} malformed YAML in ${path}: not a mapping`);
  }
  return value as Record<string, unknown>;
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
  // Plain scalars are typed by PyYAML's YAML 1.1 resolver (not the yaml package's, which also
  // takes `y`/`n` as booleans and `1e5` as a float).
  if (/ #|: |\t|^[&*!|>%@`{}[\],?"'-]/.test(raw) || raw.endsWith(' ') || raw.endsWith(':')) return UNSUPPORTED;
  return resolvePlain(raw);
}

const BOOL_TRUE = new Set(['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const BOOL_FALSE = new Set(['no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULLS = new Set(['~', 'null', 'Null', 'NULL']);
const INT_DEC = /^[-+]?(?:0|[1-9][0-9_]*)$/;
const INT_OTHER = /^[-+]?(?:0b[01_]+|0[0-7_]+|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/;

/** Types a plain scalar as PyYAML's safe loader does; rare forms go to the full parser. */
function resolvePlain(raw: string): unknown {
  if (NULLS.has(raw)) return null;
  if (BOOL_TRUE.has(raw)) return true;
  if (BOOL_FALSE.has(raw)) return false;
  if (INT_DEC.test(raw)) {
    const n = Number(raw.replaceAll('_', ''));
    return Number.isSafeInteger(n) ? n : UNSUPPORTED;
  }
  if (INT_OTHER.test(raw) || raw === '=' || TIMESTAMP.test(raw)) return UNSUPPORTED;
  if (FLOAT.test(raw)) {
    const t = raw.replaceAll('_', '').toLowerCase();
    if (t.endsWith('.inf')) return t.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    if (t === '.nan') return Number.NaN;
    return t.includes(':') ? UNSUPPORTED : Number(t);
  }
  return raw;
}
