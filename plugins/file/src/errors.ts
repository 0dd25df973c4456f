import { LabbookError } from '@labbook/core/plugin';
import { MSG } from './constants.js';

/** Wraps a file-system error in a LabbookError (INTERNAL_ERROR), keeping the original as `cause`. */
export function ioError(what: string, error: unknown): LabbookError {
  if (LabbookError.is(error)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new LabbookError('INTERNAL_ERROR', `${MSG} failed ${what}${code ? ` (${code})` : ''}`, { cause: error });
}

/** True for "no such file or directory" (and "not a directory" on a path through a file). */
export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
