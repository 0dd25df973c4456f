/**
 * Enumerations of MLflow's data model, spelled as MLflow's REST API spells them (by name).
 * Each is a const object plus a type of the same name, so both `RunStatus.FINISHED` and the
 * literal `'FINISHED'` work.
 */

/** Status of a run. New runs are `RUNNING`; FINISHED, FAILED and KILLED are terminal. */
export const RunStatus = {
  RUNNING: 'RUNNING',
  SCHEDULED: 'SCHEDULED',
  FINISHED: 'FINISHED',
  FAILED: 'FAILED',
  KILLED: 'KILLED',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** MLflow's protobuf numbers for {@link RunStatus} (the file store writes these in `meta.yaml`). */
export const RUN_STATUS_NUMBER: Readonly<Record<RunStatus, number>> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};

/** Inverse of {@link RUN_STATUS_NUMBER}. */
export function runStatusFromNumber(n: number): RunStatus | undefined {
  for (const [name, num] of Object.entries(RUN_STATUS_NUMBER)) if (num === n) return name as RunStatus;
  return undefined;
}

/** True for FINISHED, FAILED and KILLED. */
export function isTerminalStatus(status: RunStatus): boolean {
  return status === 'FINISHED' || status === 'FAILED' || status === 'KILLED';
}

/** Which lifecycle stages a search returns. */
export const ViewType = { ACTIVE_ONLY: 'ACTIVE_ONLY', DELETED_ONLY: 'DELETED_ONLY', ALL: 'ALL' } as const;
export type ViewType = (typeof ViewType)[keyof typeof ViewType];

/** Protobuf numbers for {@link ViewType}. */
export const VIEW_TYPE_NUMBER: Readonly<Record<ViewType, number>> = { ACTIVE_ONLY: 1, DELETED_ONLY: 2, ALL: 3 };

/** Soft-delete state of experiments and runs. */
export const LifecycleStage = { ACTIVE: 'active', DELETED: 'deleted' } as const;
export type LifecycleStage = (typeof LifecycleStage)[keyof typeof LifecycleStage];

/** True when an entity in `stage` is returned by a search with `viewType`. */
export function matchesViewType(stage: LifecycleStage, viewType: ViewType): boolean {
  if (viewType === 'ALL') return true;
  return viewType === 'ACTIVE_ONLY' ? stage === 'active' : stage === 'deleted';
}

/** The lifecycle stages a search with `viewType` returns (for a SQL `IN` list). */
export function viewTypeStages(viewType: ViewType): LifecycleStage[] {
  return (Object.values(LifecycleStage) as LifecycleStage[]).filter((stage) => matchesViewType(stage, viewType));
}

/** Where a run's code came from (now only a tag value, `mlflow.source.type`). */
export const SourceType = {
  NOTEBOOK: 'NOTEBOOK',
  JOB: 'JOB',
  PROJECT: 'PROJECT',
  LOCAL: 'LOCAL',
  UNKNOWN: 'UNKNOWN',
} as const;
export type SourceType = (typeof SourceType)[keyof typeof SourceType];

/** Protobuf numbers for {@link SourceType}. */
export const SOURCE_TYPE_NUMBER: Readonly<Record<SourceType, number>> = {
  NOTEBOOK: 1,
  JOB: 2,
  PROJECT: 3,
  LOCAL: 4,
  UNKNOWN: 1000,
};

/** Registration state of a model version; open-source MLflow always reports READY. */
export const ModelVersionStatus = {
  PENDING_REGISTRATION: 'PENDING_REGISTRATION',
  FAILED_REGISTRATION: 'FAILED_REGISTRATION',
  READY: 'READY',
} as const;
export type ModelVersionStatus = (typeof ModelVersionStatus)[keyof typeof ModelVersionStatus];

/** Deployment stages of a model version (deprecated in MLflow 2.9 in favour of aliases, still served). */
export const ModelVersionStage = {
  NONE: 'None',
  STAGING: 'Staging',
  PRODUCTION: 'Production',
  ARCHIVED: 'Archived',
} as const;
export type ModelVersionStage = (typeof ModelVersionStage)[keyof typeof ModelVersionStage];

/** The stage MLflow gives soft-deleted versions; never returned by any API. */
export const DELETED_INTERNAL_STAGE = 'Deleted_Internal';

/** All user-visible stages, in MLflow's order. */
export const ALL_STAGES: readonly ModelVersionStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** Stages that `archiveExistingVersions` may be used with. */
export const STAGES_ALLOWING_ARCHIVE: readonly ModelVersionStage[] = ['Staging', 'Production'];

/** Canonicalises a stage name case-insensitively (`production` → `Production`), or undefined. */
export function canonicalStage(stage: string): ModelVersionStage | undefined {
  const lower = stage.toLowerCase();
  return ALL_STAGES.find((s) => s.toLowerCase() === lower);
}
