/**
 * SQL LIKE without regular expressions. A pattern compiled to a backtracking RegExp
 * (`^.*a.*a.*b$`) takes exponential time in the number of `%` on a value that almost matches,
 * and a filter is attacker-controlled input: `'%a%a%a%b'` against an 8,000-character tag froze
 * the event loop for seconds. Here the pattern is split at `%` into segments that are placed
 * leftmost-first, which is correct for star patterns (an earlier placement never leaves less
 * room for the rest) and costs at most O(value × pattern) character comparisons.
 */

/** A compiled LIKE pattern: `true` when the whole value matches. */
export type LikeMatcher = (value: string) => boolean;

/** One run of the pattern between `%`s; `undefined` entries are `_` (any one character). */
type Segment = readonly (string | undefined)[];

interface CompiledLike {
  readonly segments: readonly Segment[];
  /** Whether the pattern starts / ends with `%` (the first / last segment floats). */
  readonly openStart: boolean;
  readonly openEnd: boolean;
}

const cache = new Map<string, LikeMatcher>();
const CACHE_LIMIT = 1000;

/**
 * Folds one character for ILIKE. Upper then lower case maps both `ß`/`ẞ` and `K`/`k`/`K` (Kelvin)
 * to one form, as a case-insensitive regular expression with the `u` flag would.
 */
function fold(ch: string): string {
  return ch.toUpperCase().toLowerCase();
}

function toChars(text: string, caseInsensitive: boolean): string[] {
  const chars = Array.from(text);
  return caseInsensitive ? chars.map(fold) : chars;
}

function compile(pattern: string, caseInsensitive: boolean): CompiledLike {
  const chars = toChars(pattern, caseInsensitive);
  const segments: Segment[] = [];
  let current: (string | undefined)[] = [];
  for (const ch of chars) {
    if (ch === '%') {
      segments.push(current);
      current = [];
    } else current.push(ch === '_' ? undefined : ch);
  }
  segments.push(current);
  const openStart = chars[0] === '%';
  const openEnd = chars.length > 0 && chars[chars.length - 1] === '%';
  // Empty runs between consecutive `%` constrain nothing.
  return { segments: segments.filter((s, i) => s.length > 0 || i === 0 || i === segments.length - 1), openStart, openEnd };
}

function segmentAt(value: readonly string[], at: number, segment: Segment): boolean {
  if (at < 0 || at + segment.length > value.length) return false;
  for (let k = 0; k < segment.length; k++) {
    const want = segment[k];
    if (want !== undefined && value[at + k] !== want) return false;
  }
  return true;
}

/** The leftmost position at or after `from` where `segment` matches, or -1. */
function findSegment(value: readonly string[], from: number, segment: Segment): number {
  for (let at = from; at + segment.length <= value.length; at++) {
    if (segmentAt(value, at, segment)) return at;
  }
  return -1;
}

function matches(compiled: CompiledLike, value: readonly string[]): boolean {
  const { segments, openStart, openEnd } = compiled;
  if (segments.length === 1) {
    // No `%` at all: the value must have the pattern's length exactly.
    const only = segments[0]!;
    return value.length === only.length && segmentAt(value, 0, only);
  }
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  let start = 0;
  let end = value.length;
  if (!openStart) {
    if (!segmentAt(value, 0, first)) return false;
    start = first.length;
  }
  if (!openEnd) {
    if (!segmentAt(value, end - last.length, last)) return false;
    end -= last.length;
  }
  if (start > end) return false;
  const middle = segments.slice(openStart ? 0 : 1, openEnd ? segments.length : segments.length - 1);
  let at = start;
  for (const segment of middle) {
    if (segment.length === 0) continue;
    const found = findSegment(value, at, segment);
    if (found < 0 || found + segment.length > end) return false;
    at = found + segment.length;
  }
  return true;
}

/**
 * Compiles a SQL LIKE pattern: `%` is any sequence, `_` one character, everything else literal.
 * Case-sensitive for LIKE, insensitive for ILIKE, as on every MLflow backend. Runs in time
 * bounded by the value's length times the pattern's, whatever the input.
 */
export function likeMatcher(pattern: string, caseInsensitive: boolean): LikeMatcher {
  const cacheKey = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let matcher = cache.get(cacheKey);
  if (!matcher) {
    const compiled = compile(pattern, caseInsensitive);
    matcher = (value) => matches(compiled, toChars(value, caseInsensitive));
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(cacheKey, matcher);
  }
  return matcher;
}
