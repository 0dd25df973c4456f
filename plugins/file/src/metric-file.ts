import type { Metric } from '@labbook/core/plugin';
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
const NEWLINE = 10;
const CR = 13;

function parseIntField(b: Uint8Array, start: number, end: number): number {
  if (start >= end) return Number.NaN;
  let i = start;
  let neg = false;
  const c = b[i]!;
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) i++;
  if (i >= end) return Number.NaN;
  let n = 0;
  for (; i < end; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) {
      // Python writes ints, but tolerate "12.0" or exponent forms from other writers.
      const f = Number(latin1(b, start, end));
      return Number.isFinite(f) ? Math.trunc(f) : Number.NaN;
    }
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

function latin1(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

// Exact powers of ten as doubles: a mantissa below 2^53 scaled by one of these is correctly rounded
// (one IEEE operation on exact operands), so the fast path returns exactly what Number() would.
export const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/** Parses a float field; NaN with `invalid.flag` set means the text was not a number. */
function parseValueField(b: Uint8Array, start: number, end: number): number {
  if (start >= end) {
    invalid.flag = true;
    return Number.NaN;
  }
  let i = start;
  let neg = false;
  let c = b[i]!;
  if (c === 45) {
    neg = true;
    c = b[++i]!;
  }
  // nan / inf / -inf are the only non-numeric texts Python's str(float) produces.
  if (c === 110 || c === 78 || c === 105 || c === 73) return special(b, start, end);
  // Significant digits: the first 15 in `hi` (exact), up to 4 more in `lo`.
  let hi = 0;
  let lo = 0;
  let sig = 0;
  let frac = 0;
  let seenDot = false;
  let anyDigit = false;
  for (; i < end; i++) {
    c = b[i]!;
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      anyDigit = true;
      if (seenDot) frac++;
      if (sig === 0 && d === 0) continue;
      sig++;
      if (sig <= 15) hi = hi * 10 + d;
      else lo = lo * 10 + d;
    } else if (c === 46 && !seenDot) seenDot = true;
    else break;
  }
  if (!anyDigit) return slow(b, start, end);
  let exp = -frac;
  if (i < end) {
    if (c !== 101 && c !== 69) return slow(b, start, end);
    i++;
    let eneg = false;
    if (b[i] === 45) {
      eneg = true;
      i++;
    } else if (b[i] === 43) i++;
    let e = 0;
    const eStart = i;
    for (; i < end; i++) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) return slow(b, start, end);
      e = e * 10 + d;
    }
    if (i === eStart) return slow(b, start, end);
    exp += eneg ? -e : e;
  }
  if (exp < -22 || exp > 22) return slow(b, start, end);
  let v: number;
  if (sig <= 15) {
    v = exp < 0 ? hi / POW10[-exp]! : hi * POW10[exp]!;
  } else {
    if (sig > 19) return slow(b, start, end);
    v = scaleDoubleDouble(hi, lo, sig - 15, exp);
    if (Number.isNaN(v)) return slow(b, start, end);
  }
  return neg ? -v : v;
}

// Veltkamp split and Dekker's exact product, for the 16-19 digit case below.
const SPLITTER = 134217729; // 2^27 + 1

function twoProductError(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * (hi * 10^k + lo) * 10^exp for a mantissa of 16-19 digits, which no double holds exactly: the
 * mantissa is kept as an exact double-double and scaled by an exact power of ten. The result is the
 * double nearest the scaled value when the leftover is clearly below half an ulp of it; otherwise NaN
 * asks the caller to use Number(), so the answer is always the correctly rounded one.
 */
export function scaleDoubleDouble(hi: number, lo: number, k: number, exp: number): number {
  const pk = POW10[k]!;
  const p = hi * pk;
  const pe = twoProductError(hi, pk, p);
  const s = p + lo;
  const bb = s - p;
  const se = p - (s - bb) + (lo - bb);
  const t = pe + se;
  let q: number;
  let rest: number;
  if (exp >= 0) {
    const P = POW10[exp]!;
    q = s * P;
    rest = twoProductError(s, P, q) + t * P;
  } else {
    const P = POW10[-exp]!;
    q = s / P;
    const m = q * P;
    const me = twoProductError(q, P, m);
    rest = (s - m - me + t) / P;
  }
  // q rounds s, not s + t, so it can be the neighbour of the right answer: step by the leftover
  // (q2 - q is a whole number of ulps, exact) and take what is left over from q2.
  const q2 = q + rest;
  const rest2 = rest - (q2 - q);
  // q2 is the correct rounding when that leftover is below half an ulp of q2; the margin covers the
  // leftover's own rounding error (about 2^-53 of it), so only near-halfway texts go to Number().
  return Math.abs(rest2) < 0.4999 * ulpOf(q2) ? q2 : Number.NaN;
}

const ULP_BITS = new Float64Array(1);
const ULP_WORDS = new Uint32Array(ULP_BITS.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;
const LOW = 1 - HIGH;

/**
 * The gap between |q| and the next larger double, read from q's exponent bits. An estimate from |q|
 * alone (|q| * 2^-53) is off by up to a factor of two, and sent a quarter of 17-digit values to the
 * slow path.
 */
function ulpOf(q: number): number {
  ULP_BITS[0] = q;
  const exponent = (ULP_WORDS[HIGH]! >>> 20) & 0x7ff;
  // Subnormal or tiny (ulp below the smallest normal): say 0, so the caller takes the exact path.
  if (exponent <= 52) return 0;
  ULP_WORDS[HIGH] = (exponent - 52) << 20;
  ULP_WORDS[LOW] = 0;
  return ULP_BITS[0]!;
}

// Long values (16-17 digits) go through Number() on a latin1 slice of just that field.
interface Latin1Slicer {
  latin1Slice?: (start: number, end: number) => string;
}

function slow(b: Uint8Array, start: number, end: number): number {
  const slicer = (b as Latin1Slicer).latin1Slice;
  const v = Number(slicer ? slicer.call(b, start, end) : latin1(b, start, end));
  if (Number.isNaN(v)) return special(b, start, end);
  return v;
}

function special(b: Uint8Array, start: number, end: number): number {
  const t = latin1(b, start, end).toLowerCase();
  if (t === 'nan' || t === '-nan' || t === '+nan') return Number.NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Number.POSITIVE_INFINITY;
  if (t === '-inf' || t === '-infinity') return Number.NEGATIVE_INFINITY;
  invalid.flag = true;
  return Number.NaN;
}

const invalid = { flag: false };

/**
 * Visits every complete line of a metric file in one pass over the bytes, with no per-line
 * allocations (short values are parsed in place; long ones through one small string): 2 fields
 * (`ts value`, step 0), 3 fields, or 5 fields (with dataset name and digest). Bytes after the last
 * newline are a write cut short and are not visited. Field offsets passed to `visit` are into `buf`.
 */
export function scanMetricLines(
  buf: Buffer,
  from: number,
  visit: (timestamp: number, value: number, step: number, fields: number, fieldEnds: readonly number[]) => void,
): MetricParseReport {
  const b = buf;
  const n = buf.length;
  const completeEnd = buf.lastIndexOf(NEWLINE) + 1;
  let malformed = 0;
  const ends = [0, 0, 0, 0, 0];
  let i = from;
  // Line ends and spaces are found with Buffer#indexOf (memchr): five times faster than visiting
  // every byte in JavaScript. The next space is remembered across lines, so a file with few spaces is
  // still searched once, not once per line.
  let nextSpace = b.indexOf(SPACE, from);
  while (i < completeEnd) {
    const lineStart = i;
    const lineEnd = b.indexOf(NEWLINE, i);
    let fields = 0;
    let lastSpace = -1;
    while (nextSpace !== -1 && nextSpace < lineEnd) {
      if (fields < 5) ends[fields] = nextSpace;
      fields++;
      lastSpace = nextSpace;
      nextSpace = b.indexOf(SPACE, nextSpace + 1);
    }
    i = lineEnd + 1;
    let e = lineEnd;
    if (e > lineStart && b[e - 1] === CR) e--;
    let a = lineStart;
    if (a === e) continue;
    if (b[a] === SPACE || b[e - 1] === SPACE || lastSpace === e - 1) {
      // Leading or trailing spaces: recount on the stripped line (rare; Python's strip()).
      while (a < e && b[a] === SPACE) a++;
      while (e > a && b[e - 1] === SPACE) e--;
      if (a === e) continue;
      fields = 0;
      for (let q = a; q < e; q++) {
        if (b[q] === SPACE) {
          if (fields < 5) ends[fields] = q;
          fields++;
        }
      }
    }
    if (fields < 5) ends[fields] = e;
    fields++;
    if (fields !== 2 && fields !== 3 && fields !== 5) {
      malformed++;
      continue;
    }
    const e0 = ends[0]!;
    const e1 = ends[1]!;
    const ts = parseIntField(b, a, e0);
    invalid.flag = false;
    const value = parseValueField(b, e0 + 1, e1);
    const step = fields >= 3 ? parseIntField(b, e1 + 1, ends[2]!) : 0;
    if (Number.isNaN(ts) || Number.isNaN(step) || invalid.flag) {
      malformed++;
      continue;
    }
    visit(ts, value, step, fields, ends);
  }
  return { malformedLines: malformed, partialTailBytes: n - Math.max(completeEnd, from), completeBytes: Math.max(completeEnd, from) };
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
