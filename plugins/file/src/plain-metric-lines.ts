import { POW10, scaleDoubleDouble } from './metric-file.js';

const SPACE = 32;
const NEWLINE = 10;
const MINUS = 45;
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
 * `<timestamp> <value> <step>\n` with whole-number timestamp and step and a value without exponent,
 * in one forward pass that writes straight into the columns (no search for separators first, no
 * call per point). It stops at the first line of any other shape, at a value whose 16-19 digits need
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
    if (c !== SPACE || digits === 0 || sig > 19 || frac > 22) break;
    let v: number;
    if (sig <= 15) v = frac === 0 ? hi : hi / POW10[frac]!;
    else {
      v = scaleDoubleDouble(hi, lo, sig - 15, -frac);
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
