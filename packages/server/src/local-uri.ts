import { parseScheme } from '@labbook/core';

/**
 * True for URIs the file plugin would serve: paths and `file:` URIs, as plugin dispatch reads them
 * (a bare word such as `databricks` is refused, not taken for a folder). Turning one into a path and
 * checking containment is core's `localPathFromUri` and `isInside`.
 */
export function isLocalUri(uri: string): boolean {
  return parseScheme(uri) === 'file';
}
