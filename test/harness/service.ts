/**
 * The policy every backend suite follows when its server cannot be had: on a developer's machine the
 * suite is skipped with the reason printed; under `CI=true` it fails, so CI never passes by skipping.
 */
export const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/**
 * Call at the top of a backend suite file with the outcome of starting (or reaching) its server.
 * Returns true when the suite should run. Under CI, a missing service throws with the reason.
 */
export function serviceAvailable(name: string, error: unknown): boolean {
  if (error === undefined || error === null) return true;
  const reason = error instanceof Error ? error.message : String(error);
  if (inCI) throw new Error(`[labbook tests] ${name} is required under CI=true but is unavailable: ${reason}`);
  console.warn(`[labbook tests] skipping ${name} suite: ${reason}`);
  return false;
}
