import { invalidParameter, type LabbookError } from '../errors.js';

// Only the kind of a bad value is named, never the value: it may be a key or a password.
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/**
 * Reads factory options (`Record<string, unknown>`, often from a config file) one by one, failing
 * with INVALID_PARAMETER_VALUE naming the option and the type it must have. Absent (`undefined`)
 * options stay absent, so that their defaults apply.
 */
export class OptionChecks {
  constructor(
    private readonly raw: Readonly<Record<string, unknown>>,
    private readonly prefix: string,
  ) {}

  /** The error for option `name` not being `expected`. */
  wrong(name: string, expected: string, value: unknown = this.raw[name]): LabbookError {
    return invalidParameter(
      `${this.prefix} option '${name}' must be ${expected}, not ${kindOf(value)}. Fix it, or leave it out to use the default.`,
      { field: name },
    );
  }

  string(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined || typeof v === 'string') return v;
    throw this.wrong(name, 'a string');
  }

  boolean(name: string): boolean | undefined {
    const v = this.raw[name];
    if (v === undefined || typeof v === 'boolean') return v;
    throw this.wrong(name, 'a boolean (true or false)');
  }

  /** A finite number. */
  number(name: string): number | undefined {
    const v = this.raw[name];
    if (v === undefined || (typeof v === 'number' && Number.isFinite(v))) return v;
    throw this.wrong(name, 'a finite number');
  }

  /** A whole number of at least `min`. */
  integer(name: string, min: number): number | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
    throw this.wrong(name, `an integer of at least ${min}`);
  }

  /** One of the given strings. */
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.raw[name];
    if (v === undefined || values.includes(v as T)) return v as T | undefined;
    throw this.wrong(name, `one of ${values.map((x) => `'${x}'`).join(', ')}`);
  }

  /** A plain object (not an array, not null). */
  record(name: string): Record<string, unknown> | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    throw this.wrong(name, 'an object');
  }

  /**
   * An SDK object recognised by the methods the plugin calls on it; `expected` names it for the
   * message (`an S3Client from @aws-sdk/client-s3`).
   */
  withMethods<T>(name: string, methods: readonly string[], expected: string): T | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function')) return v as T;
    throw this.wrong(name, expected);
  }
}

/**
 * Drops the options that were not given. Listing every key of `T` (the mapped type requires it)
 * makes an option added to the interface but not checked a compile error.
 */
export function given<T extends object>(options: { [K in keyof Required<T>]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}
