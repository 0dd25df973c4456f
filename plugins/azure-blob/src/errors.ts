import { type ErrorCode, LabbookError } from '@labbook/core/plugin';
import { MSG } from './constants.js';

function codeOf(status: number | undefined, code: string | undefined): ErrorCode {
  if (status === 404 || code === 'BlobNotFound' || code === 'ContainerNotFound') return 'RESOURCE_DOES_NOT_EXIST';
  if (status === 403 || status === 401) return 'PERMISSION_DENIED';
  if (status === 503 || status === 429) return 'TEMPORARILY_UNAVAILABLE';
  return 'IO_ERROR';
}

// A connection string or key may appear in an SDK message; never pass one on.
function redact(message: string): string {
  return message
    .replace(/AccountKey=[^;]+/gi, 'AccountKey=***')
    .replace(/SharedAccessSignature=[^;]+/gi, 'SharedAccessSignature=***')
    .replace(/([?&]sig=)[^&\s]+/gi, '$1***');
}

/** An SDK error as a LabbookError naming the operation and blob, with the original as `cause`. */
export function azureError(operation: string, target: string, error: unknown): LabbookError {
  if (LabbookError.is(error)) return error;
  const e = (error ?? {}) as { statusCode?: number; code?: string; message?: string; name?: string };
  const detail = [e.code, e.statusCode].filter(Boolean).join(' ');
  return new LabbookError(
    codeOf(e.statusCode, e.code),
    `${MSG} ${operation} ${target} failed${detail ? ` (${detail})` : ''}: ${redact(e.message ?? String(error)).split('\n')[0]}`,
    {
      cause: error,
    },
  );
}
