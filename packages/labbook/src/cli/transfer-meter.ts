import type { TransferPlan, TransferProgress } from '@labbook/core';

/** Where a whole transfer stands: bytes and files done, and the totals when known. */
export interface TransferState {
  bytesDone: number;
  /** Known once the plan (or, for a lone file, its first event) gave it. */
  bytesTotal?: number;
  filesDone: number;
  filesTotal?: number;
}

/**
 * Adds up the per-file progress events of a transfer into one figure. Repositories report each
 * file's bytes so far (cumulative, and they may start a file over after a retry), several files at
 * once, so the meter keeps the last count per path and sums the differences. A file counts as done
 * on an event whose bytes reach its total (core's tree transfers send one when each file ends).
 */
export class TransferMeter {
  private readonly done = new Map<string, number>();
  private readonly finished = new Set<string>();
  private plan: TransferPlan | undefined;
  private bytesDone = 0;
  private loneTotal: number | undefined;

  /** The tree transfer's plan (files and total size), when it gives one. */
  setPlan(plan: TransferPlan): void {
    this.plan = plan;
  }

  /** Takes one progress event from a repository. */
  update(event: TransferProgress): void {
    const before = this.done.get(event.path) ?? 0;
    this.done.set(event.path, event.bytesDone);
    this.bytesDone += event.bytesDone - before;
    if (event.bytesTotal !== undefined) {
      // A single-file transfer has no plan with a size: its own total is the whole one.
      if (this.plan?.bytesTotal === undefined && this.done.size === 1) this.loneTotal = event.bytesTotal;
      if (event.bytesDone >= event.bytesTotal) this.finished.add(event.path);
    }
  }

  get state(): TransferState {
    const bytesTotal = this.plan?.bytesTotal ?? (this.done.size <= 1 ? this.loneTotal : undefined);
    return {
      bytesDone: this.bytesDone,
      ...(bytesTotal !== undefined ? { bytesTotal } : {}),
      filesDone: this.finished.size,
      ...(this.plan ? { filesTotal: this.plan.files } : {}),
    };
  }
}
