import { describe, expect, it } from 'vitest';
import { ERROR_CODE_HTTP_STATUS, errorCodeFromHttpStatus, LabbookError, notFound } from '../src/index.js';

describe('LabbookError', () => {
  it('carries code, HTTP status, field, limit and cause', () => {
    const cause = new Error('disk');
    const e = new LabbookError('INVALID_PARAMETER_VALUE', 'bad key', { field: 'metrics[0].key', limit: 250, cause });
    expect(e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e.httpStatus).toBe(400);
    expect(e.field).toBe('metrics[0].key');
    expect(e.limit).toBe(250);
    expect(e.cause).toBe(cause);
    expect(e.toJSON()).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'bad key' });
  });

  it('is recognised across copies of core by its brand', () => {
    const foreign = Object.assign(new Error('x'), { code: 'INTERNAL_ERROR' });
    Object.defineProperty(foreign, Symbol.for('labbook:error'), { value: true });
    expect(LabbookError.is(foreign)).toBe(true);
    expect(LabbookError.is(new Error('x'))).toBe(false);
    expect(LabbookError.is(notFound('gone'))).toBe(true);
  });

  it('maps codes to MLflow statuses, including RESOURCE_ALREADY_EXISTS as 400', () => {
    expect(ERROR_CODE_HTTP_STATUS.RESOURCE_ALREADY_EXISTS).toBe(400);
    expect(ERROR_CODE_HTTP_STATUS.RESOURCE_DOES_NOT_EXIST).toBe(404);
    expect(ERROR_CODE_HTTP_STATUS.TEMPORARILY_UNAVAILABLE).toBe(503);
    expect(errorCodeFromHttpStatus(400)).toBe('BAD_REQUEST');
    expect(errorCodeFromHttpStatus(404)).toBe('ENDPOINT_NOT_FOUND');
    expect(errorCodeFromHttpStatus(429)).toBe('RESOURCE_EXHAUSTED');
    expect(errorCodeFromHttpStatus(418)).toBe('INTERNAL_ERROR');
  });
});
