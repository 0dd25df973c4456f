import { LabbookError } from '../src/errors.js';

/** The LabbookError `fn` throws; any other outcome fails the test. */
export function caught(fn: () => unknown): LabbookError {
  try {
    fn();
  } catch (error) {
    if (LabbookError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a LabbookError');
}
