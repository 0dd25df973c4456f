/**
 * The schema revision every dialect speaks: MLflow's alembic head `add_jobs_table`. A database at
 * another revision is refused (see `outOfDate`), as MLflow's own store refuses one.
 */
export const ALEMBIC_HEAD = 'bf29a5ff90ea';

/** What a driver found when it looked at the database before the first statement. */
export type SchemaState =
  /** No MLflow tables: create the schema. */
  | { kind: 'empty' }
  /** At the head: nothing to do. */
  | { kind: 'current' }
  /** Another revision, or tables without a revision row (`None`). */
  | { kind: 'other'; found: string };

/**
 * The state of a database from what its catalog says: whether `alembic_version` and `experiments`
 * exist, and the revision rows. One rule for every dialect.
 */
export function schemaState(hasAlembic: boolean, hasExperiments: boolean, versions: readonly string[]): SchemaState {
  if (hasAlembic) {
    const found = versions.join(', ') || 'None';
    return found === ALEMBIC_HEAD ? { kind: 'current' } : { kind: 'other', found };
  }
  return hasExperiments ? { kind: 'other', found: 'None' } : { kind: 'empty' };
}
