import { type ErrorCode, LabbookError } from '@labbook/core';
import type { ExpectStatic } from 'vitest';

/**
 * Runs `fn` and returns what it threw or rejected with. Core's validating wrappers may throw
 * synchronously from a method that otherwise returns a promise, so both are caught.
 */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * Asserts that `fn` fails with a {@link LabbookError} of `code` whose message contains every part
 * (strings are matched literally, case-sensitively). Returns the error for further checks.
 */
export async function expectLabbookError(
  expect: ExpectStatic,
  fn: () => unknown,
  code: ErrorCode | readonly ErrorCode[],
  ...messageParts: (string | RegExp)[]
): Promise<LabbookError> {
  const error = await caught(fn);
  expect(error, `expected a LabbookError ${String(code)}, but nothing was thrown`).toBeDefined();
  expect(LabbookError.is(error), `expected a LabbookError, got ${String(error)}`).toBe(true);
  const e = error as LabbookError;
  const codes = typeof code === 'string' ? [code] : code;
  expect(codes, `unexpected error code ${e.code}: ${e.message}`).toContain(e.code);
  for (const part of messageParts) {
    if (typeof part === 'string') expect(e.message).toContain(part);
    else expect(e.message).toMatch(part);
  }
  return e;
}

/** Shorthand for an INVALID_PARAMETER_VALUE error whose message contains every part. */
export function expectInvalid(expect: ExpectStatic, fn: () => unknown, ...messageParts: (string | RegExp)[]): Promise<LabbookError> {
  return expectLabbookError(expect, fn, 'INVALID_PARAMETER_VALUE', ...messageParts);
}

/** Shorthand for a RESOURCE_DOES_NOT_EXIST error. */
export function expectNotFound(expect: ExpectStatic, fn: () => unknown, ...messageParts: (string | RegExp)[]): Promise<LabbookError> {
  return expectLabbookError(expect, fn, 'RESOURCE_DOES_NOT_EXIST', ...messageParts);
}

/** Shorthand for a RESOURCE_ALREADY_EXISTS error. */
export function expectAlreadyExists(expect: ExpectStatic, fn: () => unknown, ...messageParts: (string | RegExp)[]): Promise<LabbookError> {
  return expectLabbookError(expect, fn, 'RESOURCE_ALREADY_EXISTS', ...messageParts);
}
