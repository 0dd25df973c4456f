import { randomInt } from 'node:crypto';

/**
 * A new experiment id as MLflow's FileStore makes them: an 18-digit random integer (no leading zero),
 * as a string.
 */
export function generateExperimentId(): string {
  let id = String(randomInt(1, 10));
  for (let i = 1; i < 18; i++) id += String(randomInt(0, 10));
  return id;
}
