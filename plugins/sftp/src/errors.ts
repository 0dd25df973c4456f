import { type ErrorCode, LabbookError } from '@labbook/core/plugin';
import { MSG } from './constants.js';

// ssh2 reports SFTP status codes: 2 = no such file, 3 = permission denied.
function codeOf(e: { code?: unknown; message?: string }): ErrorCode {
  const message = e.message ?? '';
  if (e.code === 2 || e.code === 'ENOENT' || /no such file/i.test(message)) return 'RESOURCE_DOES_NOT_EXIST';
  if (e.code === 3 || /permission denied|authentication/i.test(message)) return 'PERMISSION_DENIED';
  // 'No response from server': ssh2 fails the requests in flight when the channel closes; EPIPE is a
  // write to a socket the server already closed.
  if (
    e.code === 'ECONNREFUSED' ||
    e.code === 'ECONNRESET' ||
    e.code === 'EPIPE' ||
    /connection|not connected|timed out|no response from server|\bEPIPE\b|\bECONNRESET\b/i.test(message)
  ) {
    return 'TEMPORARILY_UNAVAILABLE';
  }
  return 'IO_ERROR';
}

/** True when an error from ssh2 means "no such file". */
export function isMissing(error: unknown): boolean {
  return codeOf((error ?? {}) as { code?: unknown; message?: string }) === 'RESOURCE_DOES_NOT_EXIST';
}

/** An ssh2/sftp error as a LabbookError naming the operation and remote path; secrets are removed. */
export function sftpError(operation: string, target: string, error: unknown, secrets: readonly string[] = []): LabbookError {
  if (LabbookError.is(error)) return error;
  const e = (error ?? {}) as { code?: unknown; message?: string };
  let message = (e.message ?? String(error)).split('\n')[0]!;
  for (const s of secrets) if (s) message = message.split(s).join('***');
  return new LabbookError(codeOf(e), `${MSG} ${operation} ${target} failed: ${message}`, { cause: error });
}
