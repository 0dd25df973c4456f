import type { Metric } from '@labbook/core';
import { formatPythonFloat } from './python-float.js';

/** One metric point as MLflow's FileStore writes it: `<timestamp> <value> <step>[ <dataset> <digest>]\n`. */
export function formatMetricLine(metric: Metric): string {
  const base = `${Math.trunc(metric.timestamp)} ${formatPythonFloat(metric.value)} ${Math.trunc(metric.step ?? 0)}`;
  if (metric.datasetName && metric.datasetDigest) return `${base} ${metric.datasetName} ${metric.datasetDigest}\n`;
  return `${base}\n`;
}

/** What parsing a metric file found besides the points. */
export interface MetricParseReport {
  /** Lines skipped because their field count or numbers were wrong. */
  malformedLines: number;
  /** Bytes after the last newline (a write cut short by a crash); not parsed. */
  partialTailBytes: number;
  /** Offset just past the last complete line. */
  completeBytes: number;
}

const SPACE = 32;
const _NEWLINE = 10;
const CR = 13;

function parseIntField(s: string, a: number, b: number): number {
  if (a >= b) return Number.NaN;
  let i = a;
  let neg = false;
  const c = s.charCodeAt(i);
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) i++;
  if (i >= b) return Number.NaN;
  let n = 0;
  for (; i < b; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) {
      // Python writes ints, but tolerate "12.0" or exponent forms from other writers.
      const f = Number(s.slice(a, b));
      return Number.isFinite(f) ? Math.trunc(f) : Number.NaN;
    }
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

function parseValueField(s: string, a: number, b: number): number {
  const len = b - a;
  const c = s.charCodeAt(a);
  // nan / inf / -inf are the only non-numeric texts Python's str(float) produces.
  if (len === 3 && (c === 110 || c === 78)) return Number.NaN;
  if (len === 3 && (c === 105 || c === 73)) return Number.POSITIVE_INFINITY;
  if (len === 4 && c === 45 && (s.charCodeAt(a + 1) === 105 || s.charCodeAt(a + 1) === 73)) return Number.NEGATIVE_INFINITY;
  const v = Number(s.slice(a, b));
  if (Number.isNaN(v)) {
    const t = s.slice(a, b).toLowerCase();
    if (t === 'nan' || t === '-nan' || t === '+nan') return Number.NaN;
    if (t === 'inf' || t === '+inf' || t === 'infinity') return Number.POSITIVE_INFINITY;
    if (t === '-inf' || t === '-infinity') return Number.NEGATIVE_INFINITY;
    return INVALID;
  }
  return v;
}

// A NaN that is not a "nan" text; distinguished by identity of the check below.
const INVALID = Symbol.for('labbook:invalid-number') as unknown as number;

/**
 * Visits every complete line of a metric file with one pass over one string and no per-line
 * allocations beyond the value's text: 2 fields (`ts value`, step 0), 3 fields, or 5 fields (with
 * dataset name and digest). Bytes after the last newline are a write cut short and are not visited.
 */
export function scanMetricLines(
  buf: Buffer,
  from: number,
  visit: (timestamp: number, value: number, step: number, fields: number, fieldEnds: readonly number[]) => void,
): MetricParseReport {
  const s = buf.toString('latin1', from);
  const n = s.length;
  const completeEnd = s.lastIndexOf('\n') + 1;
  let malformed = 0;
  const ends = [0, 0, 0, 0, 0];
  let i = 0;
  while (i < completeEnd) {
    const lineStart = i;
    let lineEnd = s.indexOf('\n', i);
    if (lineEnd < 0) lineEnd = completeEnd - 1;
    let e = lineEnd;
    if (e > lineStart && s.charCodeAt(e - 1) === CR) e--;
    // Trim leading/trailing spaces the way Python's strip() would.
    let a = lineStart;
    while (a < e && s.charCodeAt(a) === SPACE) a++;
    while (e > a && s.charCodeAt(e - 1) === SPACE) e--;
    i = lineEnd + 1;
    if (a === e) continue;
    let fields = 0;
    let p = a;
    let ok = true;
    while (p <= e) {
      let q = p;
      while (q < e && s.charCodeAt(q) !== SPACE) q++;
      if (fields < 5) ends[fields] = q;
      fields++;
      p = q + 1;
      if (fields > 5) {
        ok = false;
        break;
      }
    }
    if (!ok || (fields !== 2 && fields !== 3 && fields !== 5)) {
      malformed++;
      continue;
    }
    const e0 = ends[0]!;
    const e1 = ends[1]!;
    const ts = parseIntField(s, a, e0);
    const value = parseValueField(s, e0 + 1, e1);
    const step = fields >= 3 ? parseIntField(s, e1 + 1, ends[2]!) : 0;
    if (Number.isNaN(ts) || Number.isNaN(step) || (value as unknown) === INVALID) {
      malformed++;
      continue;
    }
    visit(ts, value, step, fields, ends);
  }
  return { malformedLines: malformed, partialTailBytes: n - completeEnd, completeBytes: from + completeEnd };
}

/** True when point (step, timestamp, value) ranks after the other as MLflow's "latest" does. */
export function isLaterPoint(step: number, ts: number, value: number, other: Metric): boolean {
  if (step !== other.step) return step > other.step;
  if (ts !== other.timestamp) return ts > other.timestamp;
  // NaN ranks above numbers (as a later write of the same point would win), ties go to the later line.
  if (Number.isNaN(value)) return true;
  if (Number.isNaN(other.value)) return false;
  return value >= other.value;
}

/** Parses the whole history of one metric file, in file (logging) order. */
export function parseMetricHistory(buf: Buffer, key: string): { metrics: Metric[]; report: MetricParseReport } {
  const metrics: Metric[] = [];
  const report = scanMetricLines(buf, 0, (timestamp, value, step, fields, ends) => {
    if (fields === 5) {
      metrics.push({
        key,
        value,
        timestamp,
        step,
        datasetName: buf.toString('utf8', ends[2]! + 1, ends[3]!),
        datasetDigest: buf.toString('utf8', ends[3]! + 1, ends[4]!),
      });
    } else metrics.push({ key, value, timestamp, step });
  });
  return { metrics, report };
}

/**
 * The latest point of the lines from `from` on, starting from `current` (the latest of the bytes
 * before `from`), so that a file that only grew is parsed only in its new part.
 */
export function latestMetric(buf: Buffer, from: number, key: string, current: Metric | undefined) {
  let best = current;
  const report = scanMetricLines(buf, from, (timestamp, value, step) => {
    if (best === undefined || isLaterPoint(step, timestamp, value, best)) best = { key, value, timestamp, step };
  });
  return { latest: best, report };
}
