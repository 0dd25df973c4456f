import type { MetricHistoryColumns } from '@labbook/core/plugin';
import { type MetricParseReport, scanMetricLines } from './metric-file.js';
import { type PlainLinesPosition, parsePlainMetricLines } from './plain-metric-lines.js';

/** Bytes per point held: three float64 columns. */
const BYTES_PER_POINT = 24;

const SAMPLE_BYTES = 64 * 1024;
const NEWLINE = 10;

/** Points in `buf`, estimated from the lines in its first 64 KiB, plus a tenth. */
function estimatePoints(buf: Buffer): number {
  const sample = Math.min(buf.length, SAMPLE_BYTES);
  let lines = 0;
  for (let i = buf.indexOf(NEWLINE); i !== -1 && i < sample; i = buf.indexOf(NEWLINE, i + 1)) lines++;
  if (lines === 0) return 16;
  return Math.ceil(((lines * buf.length) / sample) * 1.1);
}

/**
 * A metric history as typed-array columns that new points can be appended to (capacity doubles), so
 * a file that grew is parsed only in its new part. Views handed out stay valid: appends write past
 * their end, and a reallocation leaves them on the old arrays.
 */
export class GrowableColumns {
  length = 0;
  /** Lines with dataset fields: the columns hold their points but not the dataset name and digest. */
  datasetLines = 0;
  private step: Float64Array;
  private timestamp: Float64Array;
  private value: Float64Array;

  constructor(capacity: number) {
    const c = Math.max(16, capacity);
    this.step = new Float64Array(c);
    this.timestamp = new Float64Array(c);
    this.value = new Float64Array(c);
  }

  /** Bytes the arrays hold (their capacity, not just the points in use). */
  get bytes(): number {
    return this.step.length * BYTES_PER_POINT;
  }

  /**
   * Parses the complete lines of `buf` and appends their points. An estimate from the lines in the
   * first 64 KiB sizes the arrays up front; files whose later lines are shorter double them. Plain
   * lines go through {@link parsePlainMetricLines}; a line of any other shape (dataset fields, an
   * exponent out of exact range, a CR, a malformed line) through the general scanner, one line at a time. The loop works
   * on locals, written back at the end: fields read through `this` per point made it 40% slower.
   */
  appendFrom(buf: Buffer): MetricParseReport {
    let step = this.step;
    let timestamp = this.timestamp;
    let value = this.value;
    const at: PlainLinesPosition = { pos: 0, n: this.length };
    let capacity = step.length;
    const grow = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a.subarray(0, at.n));
      return b;
    };
    const growAll = (to: number) => {
      capacity = to;
      step = grow(step);
      timestamp = grow(timestamp);
      value = grow(value);
    };
    const needed = at.n + estimatePoints(buf);
    if (capacity < needed) growAll(needed + (needed >> 4));
    const completeEnd = buf.lastIndexOf(NEWLINE) + 1;
    let malformed = 0;
    let datasetLines = 0;
    const visit = (t: number, v: number, s: number, fields: number) => {
      if (fields === 5) datasetLines++;
      if (at.n === capacity) growAll(capacity * 2);
      step[at.n] = s;
      timestamp[at.n] = t;
      value[at.n] = v;
      at.n++;
    };
    while (at.pos < completeEnd) {
      parsePlainMetricLines(buf, completeEnd, timestamp, value, step, at);
      if (at.pos >= completeEnd) break;
      if (at.n === capacity) {
        growAll(capacity * 2);
        continue;
      }
      const lineEnd = buf.indexOf(NEWLINE, at.pos);
      malformed += scanMetricLines(buf.subarray(at.pos, lineEnd + 1), 0, visit).malformedLines;
      at.pos = lineEnd + 1;
    }
    this.step = step;
    this.timestamp = timestamp;
    this.value = value;
    this.length = at.n;
    this.datasetLines += datasetLines;
    return { malformedLines: malformed, partialTailBytes: buf.length - completeEnd, completeBytes: completeEnd };
  }

  /**
   * Gives back capacity far beyond the points held (an estimate that overshot), keeping 1/16 spare
   * for appends, so a cache counting {@link bytes} counts what the points need.
   */
  trim(): void {
    const keep = this.length + (this.length >> 4) + 16;
    if (this.step.length <= keep + (keep >> 2)) return;
    const n = this.length;
    const resized = (a: Float64Array) => {
      const b = new Float64Array(keep);
      b.set(a.subarray(0, n));
      return b;
    };
    this.step = resized(this.step);
    this.timestamp = resized(this.timestamp);
    this.value = resized(this.value);
  }

  /** The points so far, as views (no copy). */
  view(): MetricHistoryColumns {
    const n = this.length;
    return { length: n, step: this.step.subarray(0, n), timestamp: this.timestamp.subarray(0, n), value: this.value.subarray(0, n) };
  }
}
