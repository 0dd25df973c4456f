import { randomUUID } from 'node:crypto';

/** A new run id: 32 lowercase hex characters, as MLflow's `uuid4().hex`. */
export function generateRunId(): string {
  return randomUUID().replaceAll('-', '');
}
