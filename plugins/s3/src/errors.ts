import { type ErrorCode, LabbookError } from '@labbook/core/plugin';
import { MSG } from './constants.js';

function codeOf(error: { name?: string; $metadata?: { httpStatusCode?: number } }): ErrorCode {
  const name = error.name ?? '';
  const status = error.$metadata?.httpStatusCode;
  if (name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket' || status === 404) return 'RESOURCE_DOES_NOT_EXIST';
  if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || status === 403)
    return 'PERMISSION_DENIED';
  if (name === 'AbortError') return 'CANCELLED';
  if (status === 503 || status === 429 || name === 'SlowDown') return 'TEMPORARILY_UNAVAILABLE';
  return 'IO_ERROR';
}

/**
 * An SDK error as a LabbookError with the operation and object named, keeping the original as
 * `cause`. SDK messages do not carry credentials; the request is described by bucket and key only.
 */
export function s3Error(operation: string, target: string, error: unknown): LabbookError {
  if (LabbookError.is(error)) return error;
  const e = (error ?? {}) as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const detail = [e.name, e.code].filter((x) => x && x !== 'Error').join(' ');
  return new LabbookError(codeOf(e), `${MSG} ${operation} ${target} failed${detail ? ` (${detail})` : ''}: ${e.message ?? String(error)}`, {
    cause: error,
  });
}
