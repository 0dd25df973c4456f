import { randomBytes } from 'node:crypto';

/**
 * A name no other test (or earlier run against the same backend) uses, so groups can share one
 * store and run concurrently: `<prefix>-<12 hex>`.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** A well-formed run id that no store has generated (32 hex characters). */
export function unknownRunId(): string {
  return randomBytes(16).toString('hex');
}

/** A well-formed experiment id that names no experiment. */
export const UNKNOWN_EXPERIMENT_ID = '987654321987654321';
