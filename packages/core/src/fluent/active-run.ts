import type { Run, RunInfo } from '../entities/tracking.js';

/**
 * The run the fluent API logs into. `runId` is known once the run exists; while it is being created
 * (an implicit start) `ready` resolves to it.
 */
export class ActiveRun {
  /** The run as it was when it started (or resumed); use the client's `getRun` for its current state. */
  readonly run: Run;

  constructor(run: Run) {
    this.run = run;
  }

  get info(): RunInfo {
    return this.run.info;
  }

  get runId(): string {
    return this.run.info.runId;
  }
}
