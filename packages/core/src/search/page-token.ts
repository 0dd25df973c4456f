import { invalidParameter } from '../errors.js';

/**
 * A page token as MLflow's stores make them: base64 of the JSON `{"offset": N}` (with Python's space
 * after the colon), so tokens are interchangeable with MLflow's.
 */
export function encodePageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

/**
 * The offset a page token holds; 0 when there is none. Malformed tokens are INVALID_PARAMETER_VALUE.
 * The offset must be a positive safe integer: larger numbers (`1e20`) lose precision, print in
 * exponent form and overflow SQL `OFFSET`, so every store relies on this check rather than its own.
 * An offset of 0 is refused as MLflow refuses it (its stores never issue one).
 */
export function decodePageToken(token: string | undefined | null): number {
  if (token === undefined || token === null || token === '') return 0;
  const bad = (why: string) => invalidParameter(`Invalid page token, could not base64-decode or parse it: ${why}`, { field: 'page_token' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw bad('not base64 of JSON');
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset <= 0) {
    throw bad(
      'the offset must be a whole number from 1 to 9007199254740991; request the first page without a token, then pass the next_page_token the server returns',
    );
  }
  return offset;
}
