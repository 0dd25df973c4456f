import type { RunStatus } from '../entities/enums.js';
import { LabbookError } from '../errors.js';
import type { ProjectExecution, ProjectExitResult } from './project-backend.js';

/**
 * A started project run, as MLflow's `SubmittedRun`: the run id at once, `wait()` for the end,
 * `getStatus()` now, `cancel()` to stop it (the run ends KILLED and nothing of the command is left
 * running). Core, not the backend, sets the run's final status.
 */
export interface SubmittedProjectRun {
  readonly runId: string;
  readonly experimentId: string;
  /** Resolves once the command has ended and the run's status is written: true when it FINISHED. */
  wait(): Promise<boolean>;
  /** RUNNING until the end is recorded, then FINISHED, FAILED or KILLED. */
  getStatus(): RunStatus;
  /** How the command ended; undefined while it runs. */
  // `| undefined`: trackExecution exposes this as a getter that is present and reads undefined until the end.
  readonly exit?: ProjectExitResult | undefined;
  /** Stops the command and everything it started, then ends the run KILLED. Resolves when both are done. */
  cancel(): Promise<void>;
}

/** A synchronous project run that did not finish (MLflow's `ExecutionException`). */
export class ProjectRunFailedError extends LabbookError {
  readonly runId: string;
  readonly status: RunStatus;
  readonly exitCode: number | null;

  constructor(runId: string, status: RunStatus, exit: ProjectExitResult | undefined) {
    const how = exit?.cancelled ? 'was cancelled' : exit?.signal ? `was ended by ${exit.signal}` : `exited with code ${exit?.exitCode}`;
    super('INTERNAL_ERROR', `Run (ID '${runId}') failed: the project command ${how}; the run is ${status}. Its output above says why.`);
    this.name = 'ProjectRunFailedError';
    this.runId = runId;
    this.status = status;
    this.exitCode = exit?.exitCode ?? null;
  }
}

/** Options of {@link trackExecution}. */
export interface TrackExecutionOptions {
  runId: string;
  experimentId: string;
  execution: ProjectExecution;
  /** Writes the end: exit tags, and the status when the command did not end the run itself. */
  finalize(exit: ProjectExitResult, status: RunStatus): Promise<RunStatus>;
  /** Removes temporary files once the run has ended. */
  cleanup(): Promise<void>;
}

/** Ties a backend's execution to its run's status. */
export function trackExecution(options: TrackExecutionOptions): SubmittedProjectRun {
  let status: RunStatus = 'RUNNING';
  let exit: ProjectExitResult | undefined;
  let cancelRequested = false;
  const ended = options.execution.wait().then(async (result) => {
    exit = { ...result, cancelled: result.cancelled || cancelRequested };
    const wanted: RunStatus = exit.cancelled ? 'KILLED' : exit.exitCode === 0 ? 'FINISHED' : 'FAILED';
    try {
      status = await options.finalize(exit, wanted);
    } catch (error) {
      // The command has ended either way; a store that cannot be reached must not hide that.
      status = wanted;
      process.emitWarning(`[labbook] could not record the end of run ${options.runId}: ${(error as Error).message}`);
    } finally {
      await options.cleanup().catch(() => {});
    }
    return status === 'FINISHED';
  });
  return {
    runId: options.runId,
    experimentId: options.experimentId,
    wait: () => ended,
    getStatus: () => status,
    get exit() {
      return exit;
    },
    async cancel() {
      if (!exit) cancelRequested = true;
      await options.execution.cancel();
      await ended;
    },
  };
}
