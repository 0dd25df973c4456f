/**
 * Typed errors carrying MLflow's error codes. Every failure a store, repository or the client reports
 * is a {@link LabbookError}, so callers branch on `code` rather than on message text, and the server
 * maps `code` to the HTTP status MLflow uses.
 */

/** MLflow's error codes that labbook produces or maps. */
export const ErrorCode = {
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  TEMPORARILY_UNAVAILABLE: 'TEMPORARILY_UNAVAILABLE',
  IO_ERROR: 'IO_ERROR',
  BAD_REQUEST: 'BAD_REQUEST',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  CANCELLED: 'CANCELLED',
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  ABORTED: 'ABORTED',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  INVALID_PARAMETER_VALUE: 'INVALID_PARAMETER_VALUE',
  ENDPOINT_NOT_FOUND: 'ENDPOINT_NOT_FOUND',
  MALFORMED_REQUEST: 'MALFORMED_REQUEST',
  INVALID_STATE: 'INVALID_STATE',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  FEATURE_DISABLED: 'FEATURE_DISABLED',
  CUSTOMER_UNAUTHORIZED: 'CUSTOMER_UNAUTHORIZED',
  REQUEST_LIMIT_EXCEEDED: 'REQUEST_LIMIT_EXCEEDED',
  RESOURCE_CONFLICT: 'RESOURCE_CONFLICT',
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  DATA_LOSS: 'DATA_LOSS',
  RESOURCE_ALREADY_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  RESOURCE_DOES_NOT_EXIST: 'RESOURCE_DOES_NOT_EXIST',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status MLflow's server answers with for each code; codes not listed map to 500. */
export const ERROR_CODE_HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
  IO_ERROR: 500,
  BAD_REQUEST: 400,
  DEADLINE_EXCEEDED: 504,
  CANCELLED: 499,
  RESOURCE_EXHAUSTED: 429,
  ABORTED: 409,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  UNAUTHENTICATED: 401,
  INVALID_PARAMETER_VALUE: 400,
  ENDPOINT_NOT_FOUND: 404,
  MALFORMED_REQUEST: 400,
  INVALID_STATE: 500,
  PERMISSION_DENIED: 403,
  FEATURE_DISABLED: 501,
  CUSTOMER_UNAUTHORIZED: 401,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_CONFLICT: 409,
  NOT_IMPLEMENTED: 501,
  DATA_LOSS: 500,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
};

const BRAND = Symbol.for('labbook:error');

/** Options of a {@link LabbookError}. */
export interface LabbookErrorOptions {
  /** The input field the error is about, as a JSON path (`metrics[3].value`). */
  field?: string;
  /** The limit that was exceeded, when there is one (a length, a count). */
  limit?: number;
  /** The underlying error (an SDK's, the file system's). */
  cause?: unknown;
}

/**
 * The one error type of labbook. `code` is MLflow's error code and `httpStatus` the status MLflow's
 * server answers with. Use {@link LabbookError.is} rather than `instanceof`: a plugin may load its
 * own copy of core, and the brand works across copies.
 */
export class LabbookError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly limit?: number;

  constructor(code: ErrorCode, message: string, options: LabbookErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LabbookError';
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
    if (options.limit !== undefined) this.limit = options.limit;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** HTTP status for {@link code}. */
  get httpStatus(): number {
    return ERROR_CODE_HTTP_STATUS[this.code] ?? 500;
  }

  /** True for any labbook error, whichever copy of `@labbook/core` made it. */
  static is(value: unknown): value is LabbookError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** The error's JSON body as MLflow's server sends it. */
  toJSON(): { error_code: ErrorCode; message: string } {
    return { error_code: this.code, message: this.message };
  }
}

/** An input failed validation (400, INVALID_PARAMETER_VALUE). */
export function invalidParameter(message: string, options?: LabbookErrorOptions): LabbookError {
  return new LabbookError('INVALID_PARAMETER_VALUE', message, options);
}

/** A named entity does not exist (404, RESOURCE_DOES_NOT_EXIST). */
export function notFound(message: string, options?: LabbookErrorOptions): LabbookError {
  return new LabbookError('RESOURCE_DOES_NOT_EXIST', message, options);
}

/** A named entity exists already (400, RESOURCE_ALREADY_EXISTS, as MLflow answers). */
export function alreadyExists(message: string, options?: LabbookErrorOptions): LabbookError {
  return new LabbookError('RESOURCE_ALREADY_EXISTS', message, options);
}

/** A store failed in a way the caller cannot fix (500, INTERNAL_ERROR). */
export function internalError(message: string, options?: LabbookErrorOptions): LabbookError {
  return new LabbookError('INTERNAL_ERROR', message, options);
}

/** Maps an HTTP status from a server that sent no error code to the code MLflow's client assumes. */
export function errorCodeFromHttpStatus(status: number): ErrorCode {
  if (status === 400) return 'BAD_REQUEST';
  if (status === 404) return 'ENDPOINT_NOT_FOUND';
  if (status === 500) return 'INTERNAL_ERROR';
  for (const [code, s] of Object.entries(ERROR_CODE_HTTP_STATUS)) if (s === status) return code as ErrorCode;
  return 'INTERNAL_ERROR';
}
