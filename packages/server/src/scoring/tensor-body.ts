/**
 * The fast path of `/invocations` for a model whose signature is one float tensor: a body of the
 * form `{"inputs": [[…], …]}`, `{"instances": [[…], …]}` or `{"inputs": {"<name>": [[…], …]}}` is
 * read from its bytes straight into a Float32Array/Float64Array, without `JSON.parse` building
 * thousands of JavaScript numbers and arrays that are then copied into the typed array anyway.
 * On a 12.6 KiB body of 2,048 numbers that is ~35 us instead of ~68 us (`JSON.parse` plus the
 * copy), which was the largest single cost of a request (profiled at 16 clients).
 *
 * It accepts a strict subset of JSON and answers exactly what `JSON.parse` followed by
 * parseJsonInput and requestTensor would: the same tensor, the same `named`. Anything else
 * (params, escapes in keys, other fields, ragged or empty rows, strings, nulls, a shape the
 * signature refuses, invalid JSON) answers undefined, and the request takes the general path,
 * which words every error. The scan is one loop whose depth is bounded by the signature's rank,
 * so no body makes it track more than the model's tensor has.
 */
import type { Tensor } from '@labbook/core';
import { fitsShape, type TensorBodyPlan } from './request-tensor.js';

/** Powers of ten that are exact doubles: a mantissa below 2^53 divided by one is correctly rounded. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Digits that always fit in a double's 53-bit mantissa. */
const SAFE_DIGITS = 15;

const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/**
 * Numbers are read into one reused Float64Array (the scan is synchronous, so requests never share
 * it at once), then copied into the request's own typed array: one allocation of the right size
 * per request, and every store in the loop is to the same kind of array. Kept between requests
 * only while it is small.
 */
let scratch = new Float64Array(4096);
const KEPT_SCRATCH = 1 << 20;

interface Scanned {
  end: number;
  values: Float64Array;
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The offset of the first byte from `at` that is not JSON whitespace (every such byte is <= 0x20, one compare for the rest). */
function skipSpace(b: Uint8Array, at: number): number {
  while (at < b.length && b[at]! <= 0x20 && isSpace(b[at])) at++;
  return at;
}

/**
 * Scans `rank`-deep nested arrays of numbers from `b[at]`, every array at a depth as long as the
 * first one there; fills `lengths` (one per depth) and answers where the arrays end and their
 * numbers (a view of the scratch array, valid until the next scan), or undefined when the bytes
 * are anything else. One loop with an explicit depth, all in locals: a scanner built of methods
 * over object fields ran 2.4x slower, and even `skipSpace` called between numbers cost 30%, so the
 * whitespace loop is written out here (skipSpace serves the once-per-body keys and braces).
 */
function scanArrays(b: Uint8Array, from: number, rank: number, lengths: number[]): Scanned | undefined {
  const n = b.length;
  const counts = new Int32Array(rank);
  let values = scratch;
  let count = 0;
  let at = from;
  let depth = 0; // arrays open
  for (;;) {
    // A value is expected here: an array while depth < rank, a number at depth === rank.
    while (at < n && b[at]! <= 0x20 && isSpace(b[at])) at++;
    if (depth < rank) {
      if (b[at] !== OPEN_ARRAY) return undefined;
      at++;
      counts[depth++] = 0;
      while (at < n && b[at]! <= 0x20 && isSpace(b[at])) at++;
      if (b[at] === CLOSE_ARRAY) return undefined; // empty rows: the general path decides
      continue;
    }
    const start = at;
    let c = b[at]!;
    const negative = c === MINUS;
    if (negative) c = b[++at]!;
    if (!(c >= ZERO && c <= NINE)) return undefined;
    let mantissa = 0;
    let digits = 0;
    // JSON has no leading zeros: after a leading 0 the digit of `01` is refused as the separator it is not.
    if (c === ZERO) c = b[++at]!;
    else {
      while (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = b[++at]!;
      }
    }
    let fraction = 0;
    if (c === DOT) {
      c = b[++at]!;
      if (!(c >= ZERO && c <= NINE)) return undefined;
      while (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        if (mantissa !== 0) digits++;
        fraction++;
        c = b[++at]!;
      }
    }
    let value: number;
    if (c === LOWER_E || c === UPPER_E) {
      c = b[++at]!;
      if (c === PLUS || c === MINUS) c = b[++at]!;
      if (!(c >= ZERO && c <= NINE)) return undefined;
      while (c >= ZERO && c <= NINE) c = b[++at]!;
      value = Number(Buffer.from(b.buffer, b.byteOffset + start, at - start).toString('latin1'));
    } else if (digits <= SAFE_DIGITS && fraction < EXACT_POWERS_OF_TEN.length) {
      const magnitude = fraction === 0 ? mantissa : mantissa / EXACT_POWERS_OF_TEN[fraction]!;
      value = negative ? -magnitude : magnitude;
    } else {
      // Long mantissas: the grammar is checked above, and Number() rounds as JSON.parse does.
      value = Number(Buffer.from(b.buffer, b.byteOffset + start, at - start).toString('latin1'));
    }
    if (count === values.length) {
      const grown = new Float64Array(values.length * 2);
      grown.set(values);
      values = grown;
      if (grown.length <= KEPT_SCRATCH) scratch = grown;
    }
    values[count++] = value;
    // After a value: a comma (the next value at this depth) or closing brackets.
    for (;;) {
      counts[depth - 1]!++;
      while (at < n && b[at]! <= 0x20 && isSpace(b[at])) at++;
      const next = b[at++];
      if (next === COMMA) break;
      if (next !== CLOSE_ARRAY) return undefined;
      const closed = --depth;
      const expected = lengths[closed]!;
      if (expected === -1) lengths[closed] = counts[closed]!;
      else if (expected !== counts[closed]) return undefined;
      if (depth === 0) return { end: at, values: values.subarray(0, count) };
    }
  }
}

/** A key without escapes; undefined when it has any (the general path reads those). */
function keyAt(b: Uint8Array, at: number): [number, string] | undefined {
  at = skipSpace(b, at);
  if (b[at] !== QUOTE) return undefined;
  const start = at + 1;
  const end = b.indexOf(QUOTE, start);
  if (end < 0) return undefined;
  for (let i = start; i < end; i++) if (b[i] === 0x5c || b[i]! < 0x20) return undefined;
  return [end + 1, Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8')];
}

/** The offset after `byte` (spaces before it skipped), or -1. */
function past(b: Uint8Array, at: number, byte: number): number {
  at = skipSpace(b, at);
  return b[at] === byte ? at + 1 : -1;
}

/**
 * The request's tensor read straight from the body's bytes, with `named` as requestTensor gives
 * it; undefined when the body is not of the plain forms above (then parse it as JSON).
 */
export function scanTensorBody(bytes: Uint8Array, plan: TensorBodyPlan): { tensor: Tensor; named: boolean } | undefined {
  const spec = plan.spec;
  const rank = spec.shape.length;
  const lengths = new Array<number>(rank).fill(-1);
  let at = past(bytes, 0, OPEN_OBJECT);
  const field = at < 0 ? undefined : keyAt(bytes, at);
  if (!field || (field[1] !== 'inputs' && field[1] !== 'instances')) return undefined;
  at = past(bytes, field[0], COLON);
  if (at < 0) return undefined;
  at = skipSpace(bytes, at);
  let named: boolean;
  let scanned: Scanned | undefined;
  if (bytes[at] === OPEN_OBJECT) {
    // `{"<field>": {"<name>": …}}`: one named input, the spec's own.
    const name = spec.name === undefined ? undefined : keyAt(bytes, at + 1);
    if (!name || name[1] !== spec.name) return undefined;
    at = past(bytes, name[0], COLON);
    scanned = at < 0 ? undefined : scanArrays(bytes, at, rank, lengths);
    at = scanned ? past(bytes, scanned.end, CLOSE_OBJECT) : -1;
    named = true;
  } else {
    scanned = scanArrays(bytes, at, rank, lengths);
    at = scanned ? scanned.end : -1;
    // parseJsonInput binds a bare `inputs` list to a single named tensor; `instances` stays bare.
    named = field[1] === 'inputs' && spec.name !== undefined;
  }
  if (!scanned || at < 0) return undefined;
  at = past(bytes, at, CLOSE_OBJECT);
  if (at < 0) return undefined;
  at = skipSpace(bytes, at);
  if (at !== bytes.length) return undefined;
  if (!fitsShape(spec, lengths)) return undefined;
  const values = scanned.values;
  // Float32Array from a Float64Array rounds each value as an assignment does.
  const data = spec.dtype === 'float32' ? new Float32Array(values) : values.slice();
  return { tensor: { kind: 'tensor', dtype: spec.dtype, shape: lengths, data }, named };
}
