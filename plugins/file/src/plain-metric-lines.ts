import type { Metric } from '@labbook/core/plugin';
import { type MetricParseReport, POW10, parseMetricHistory, scaleDoubleDouble } from './metric-file.js';

const SPACE = 32;
const NEWLINE = 10;
const MINUS = 45;
const PLUS = 43;
const LOWER_E = 101;
const UPPER_E = 69;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** Where {@link parsePlainMetricLines} stopped: the offset of the next line and the points held. */
export interface PlainLinesPosition {
  pos: number;
  n: number;
}

/**
 * The fast path for charts: parses lines of the plain shape MLflow writes for nearly every point,
 * `<timestamp> <value> <step>\n` with whole-number timestamp and step and a decimal value (with an
 * exponent too, as Python writes small and large values, while it scales exactly), in one forward
 * pass that writes straight into the columns (no search for separators first, no call per point).
 * It stops at the first line of any other shape, at a value whose 16-19 digits need
 * the exact path, at `end`, or when the columns are full; `at` then holds that line's offset, and the
 * caller parses the line with the general scanner (which has the same results, slower) and resumes.
 * Every value accepted here is the one the general scanner gives.
 */
export function parsePlainMetricLines(
  b: Uint8Array,
  end: number,
  timestamp: Float64Array,
  value: Float64Array,
  step: Float64Array,
  at: PlainLinesPosition,
): void {
  let pos = at.pos;
  let n = at.n;
  const capacity = timestamp.length;
  while (pos < end && n < capacity) {
    let i = pos;
    // Timestamp: 1-15 digits (exact in a double), then one space.
    let ts = 0;
    let c = b[i]!;
    const tsStart = i;
    while (c >= ZERO && c <= NINE) {
      ts = ts * 10 + (c - ZERO);
      c = b[++i]!;
    }
    if (c !== SPACE || i === tsStart || i - tsStart > 15) break;
    c = b[++i]!;
    // Value: [-]digits[.digits], at most 19 significant digits, then one space. Integer and fraction
    // digits in two loops: one loop with a dot flag, or the general parser's reader, measured slower.
    let neg = false;
    if (c === MINUS) {
      neg = true;
      c = b[++i]!;
    }
    let hi = 0;
    let lo = 0;
    let sig = 0;
    let frac = 0;
    let digits = 0;
    while (c >= ZERO && c <= NINE) {
      digits++;
      const d = c - ZERO;
      if (sig > 0 || d !== 0) {
        sig++;
        if (sig <= 15) hi = hi * 10 + d;
        else lo = lo * 10 + d;
      }
      c = b[++i]!;
    }
    if (c === DOT) {
      c = b[++i]!;
      while (c >= ZERO && c <= NINE) {
        digits++;
        frac++;
        const d = c - ZERO;
        if (sig > 0 || d !== 0) {
          sig++;
          if (sig <= 15) hi = hi * 10 + d;
          else lo = lo * 10 + d;
        }
        c = b[++i]!;
      }
    }
    // An exponent, as Python writes below 1e-4 and from 1e16 on (`1.5e-05`): one more scale by an
    // exact power of ten, the same arithmetic as the general scanner's.
    let exp = -frac;
    if (c === LOWER_E || c === UPPER_E) {
      c = b[++i]!;
      let expNeg = false;
      if (c === MINUS) {
        expNeg = true;
        c = b[++i]!;
      } else if (c === PLUS) c = b[++i]!;
      let e = 0;
      const expStart = i;
      while (c >= ZERO && c <= NINE) {
        e = e * 10 + (c - ZERO);
        c = b[++i]!;
      }
      if (i === expStart) break;
      exp += expNeg ? -e : e;
    }
    if (c !== SPACE || digits === 0 || sig > 19 || exp < -22 || exp > 22) break;
    let v: number;
    if (sig <= 15) v = exp < 0 ? hi / POW10[-exp]! : hi * POW10[exp]!;
    else {
      v = scaleDoubleDouble(hi, lo, sig - 15, exp);
      if (Number.isNaN(v)) break;
    }
    c = b[++i]!;
    // Step: [-]1-15 digits, then the newline (a fourth field or a CR goes to the general path).
    let stepNeg = false;
    if (c === MINUS) {
      stepNeg = true;
      c = b[++i]!;
    }
    let s = 0;
    const stepStart = i;
    while (c >= ZERO && c <= NINE) {
      s = s * 10 + (c - ZERO);
      c = b[++i]!;
    }
    if (c !== NEWLINE || i === stepStart || i - stepStart > 15) break;
    timestamp[n] = ts;
    value[n] = neg ? -v : v;
    step[n] = stepNeg ? -s : s;
    n++;
    pos = i + 1;
  }
  at.pos = pos;
  at.n = n;
}

/** Points parsed per pass of the fast path before they become objects (reused, so no allocation). */
const CHUNK = 4096;
const chunkTimestamp = new Float64Array(CHUNK);
const chunkValue = new Float64Array(CHUNK);
const chunkStep = new Float64Array(CHUNK);

/**
 * A whole metric history as objects, in file order: plain lines through
 * {@link parsePlainMetricLines} (the charts' fast path), any other line (dataset fields, 2 fields, an
 * exponent, a CR, a malformed line) through the general scanner, one line at a time, so the result is
 * exactly {@link parseMetricHistory}'s.
 */
export function parseMetricHistoryFast(buf: Buffer, key: string): { metrics: Metric[]; report: MetricParseReport } {
  const completeEnd = buf.lastIndexOf(NEWLINE) + 1;
  const metrics: Metric[] = [];
  const at: PlainLinesPosition = { pos: 0, n: 0 };
  let malformed = 0;
  while (at.pos < completeEnd) {
    at.n = 0;
    parsePlainMetricLines(buf, completeEnd, chunkTimestamp, chunkValue, chunkStep, at);
    // The same property order as the general parser's objects, so both have one hidden class.
    for (let i = 0; i < at.n; i++) metrics.push({ key, value: chunkValue[i]!, timestamp: chunkTimestamp[i]!, step: chunkStep[i]! });
    if (at.pos >= completeEnd || at.n === CHUNK) continue;
    const lineEnd = buf.indexOf(NEWLINE, at.pos);
    const line = parseMetricHistory(buf.subarray(at.pos, lineEnd + 1), key);
    for (const m of line.metrics) metrics.push(m);
    malformed += line.report.malformedLines;
    at.pos = lineEnd + 1;
  }
  return { metrics, report: { malformedLines: malformed, partialTailBytes: buf.length - completeEnd, completeBytes: completeEnd } };
}
