import { activeRun, endRun, invalidParameter, logMetric, logParams, logText, startRun } from '@labbook/core';
import * as tf from '@tensorflow/tfjs';
import {
  type EarlyStoppingLike,
  earlyStoppingParams,
  fitDatasetParams,
  fitParams,
  isEarlyStopping,
  type OptimizerLike,
  optimizerParams,
} from './fit-params.js';
import { readLogs } from './log-values.js';
import { modelSummaryText, type SummarizableModel } from './model-summary.js';

/** Run tag MLflow sets on runs its autologging started. */
export const AUTOLOGGING_TAG = 'mlflow.autologging';
/** The integration name MLflow's TensorFlow autolog uses. */
export const FLAVOR_NAME = 'tensorflow';

/**
 * Called with the trained model once training ends, inside its run. `autolog()` passes one that logs
 * the model as the `model` artifact with the `tfjs` flavor (MLflow's `log_models`); a callback used
 * on its own logs no model unless given one (MLflow's Keras callback does not log models either).
 */
export type TrainedModelLogger = (model: tf.LayersModel, context: { runId: string }) => Promise<void>;

// TF.js types its hooks as returning promises; one already settled costs it a single microtask.
const YIELD_INTERVAL_MS = 4;
const DONE: Promise<void> = Promise.resolve();

/** Options of {@link LabbookCallback}. */
export interface LabbookCallbackOptions {
  /** Log the epoch's `logs` at `step = epoch` (default true; MLflow's `log_every_epoch`). */
  logEveryEpoch?: boolean;
  /**
   * Log batch `logs` every N optimizer steps at `step = iteration` (1-based, growing across epochs),
   * MLflow's `log_every_n_steps`. Exclusive with `logEveryEpoch`.
   */
  logEveryNSteps?: number;
  /** Log `model_summary.txt` (default true). */
  logModelSummary?: boolean;
  /** Tags for a run the callback starts itself (when no run is active). */
  tags?: Record<string, string>;
  /** See {@link TrainedModelLogger}. */
  logModel?: TrainedModelLogger;
  /** @internal Set by `autolog()`: the call's arguments, its other callbacks, the outer model. */
  fit?: { kind: 'fit' | 'fitDataset'; args: Record<string, unknown>; callbacks: unknown[]; model: tf.LayersModel };
}

/**
 * A `model.fit` / `fitDataset` callback that logs what MLflow's Keras autolog logs: fit arguments and
 * optimizer config as params, early-stopping settings, per-epoch (or per-step) metrics, the model
 * summary. Metrics go through the fluent API's asynchronous queue, so training never waits for the
 * store; params and the summary are written in the background during training and awaited when
 * training ends (so they are stored before the run can end).
 * Without an active run it starts one at train begin and ends it at train end.
 */
export class LabbookCallback extends tf.Callback {
  private readonly options: LabbookCallbackOptions;
  private ownRun = false;
  private runId: string | undefined;
  private iteration = 0;
  private background: Promise<unknown>[] = [];
  /** Writes of `background` not settled yet. */
  private inFlight = 0;
  private lastYield = 0;
  /** Log reads not yet turned into queued metrics (each settles within microtasks on the CPU backend). */
  private reads: Promise<void>[] = [];
  private warned = false;
  private earlyStopping: EarlyStoppingLike | undefined;

  constructor(options: LabbookCallbackOptions = {}) {
    super();
    if (options.logEveryNSteps !== undefined) {
      if (!Number.isInteger(options.logEveryNSteps) || options.logEveryNSteps < 1) {
        throw invalidParameter(`logEveryNSteps must be a positive integer, got ${options.logEveryNSteps}.`, { field: 'log_every_n_steps' });
      }
      if (options.logEveryEpoch === true) {
        throw invalidParameter('Only one of logEveryEpoch and logEveryNSteps can be set, as in MLflow.', { field: 'log_every_epoch' });
      }
    }
    this.options = options;
  }

  private warn(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    process.emitWarning(`[labbook] [tfjs] logging failed; training goes on: ${(error as Error)?.message ?? String(error)}`, {
      code: 'LABBOOK_TFJS_LOGGING_FAILED',
    });
  }

  private later(p: Promise<unknown>): void {
    this.inFlight += 1;
    this.background.push(
      p.then(
        () => {
          this.inFlight -= 1;
        },
        (e) => {
          this.inFlight -= 1;
          this.warn(e);
        },
      ),
    );
  }

  private get logsEpochs(): boolean {
    return this.options.logEveryNSteps === undefined && this.options.logEveryEpoch !== false;
  }

  // No `async` here: with a run already active nothing needs awaiting, and TF.js's fit loop goes on
  // after a single microtask instead of waiting for the store.
  override onTrainBegin(): Promise<void> {
    const run = activeRun();
    if (run) {
      this.runId = run.runId;
      this.logStart();
      return DONE;
    }
    return startRun({ ...(this.options.tags ? { tags: this.options.tags } : {}) }).then(
      (started) => {
        this.ownRun = true;
        this.runId = started.runId;
        this.logStart();
      },
      (error) => this.warn(error),
    );
  }

  /** Params (one batch) and the summary, sent without waiting; onTrainEnd waits for them. */
  private logStart(): void {
    const fit = this.options.fit;
    const model = (fit?.model ?? this.model) as tf.LayersModel;
    const params: Record<string, string> = fit
      ? fit.kind === 'fit'
        ? fitParams(fit.args)
        : fitDatasetParams(fit.args)
      : fromCallbackParams(this.params as Record<string, unknown>);
    Object.assign(params, optimizerParams((model as unknown as { optimizer?: OptimizerLike }).optimizer));
    this.earlyStopping = fit?.callbacks.find(isEarlyStopping) as EarlyStoppingLike | undefined;
    if (this.earlyStopping) Object.assign(params, earlyStoppingParams(this.earlyStopping));
    this.later(logParams(params));
    if (this.options.logModelSummary !== false) {
      try {
        this.later(logText(modelSummaryText(model as unknown as SummarizableModel), 'model_summary.txt'));
      } catch (error) {
        this.warn(error);
      }
    }
  }

  // TF.js's CPU fit loop runs batch after batch in microtasks and never returns to the event loop,
  // so the store's file writes started at train begin could only progress once training ended
  // (profiled: onTrainEnd then waited ~45 ms a fit for them). While one of ours is in flight, a
  // setImmediate turn now and then lets its I/O callbacks run during training; afterwards no yields.
  override onBatchEnd(_batch: number, logs?: tf.Logs): Promise<void> {
    const n = this.options.logEveryNSteps;
    if (n !== undefined && this.runId) {
      this.iteration += 1;
      // Batch tensors are disposed right after this hook: read() captures their values now.
      if (this.iteration % n === 0) this.read(logs, this.iteration);
    }
    if (this.inFlight === 0) return DONE;
    // At most one turn every few milliseconds: enough for the writes to progress, while a turn per
    // batch (hundreds a fit) cost the fit several percent.
    const now = performance.now();
    if (now - this.lastYield < YIELD_INTERVAL_MS) return DONE;
    this.lastYield = now;
    return new Promise<void>((resolve) => setImmediate(resolve));
  }

  override onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    if (this.logsEpochs && this.runId) this.read(logs, epoch);
    return DONE;
  }

  /** Reads the logs' scalars and queues them as metrics, without making TF.js wait for that. */
  private read(logs: tf.Logs | undefined, step: number): void {
    this.reads.push(
      readLogs(logs as Record<string, unknown>).then(
        (values) => this.logAll(values, step),
        (e) => this.warn(e),
      ),
    );
  }

  private logAll(values: Record<string, number>, step: number): void {
    const timestamp = Date.now();
    for (const [key, value] of Object.entries(values)) {
      try {
        logMetric(key, value, { step, timestamp });
      } catch (error) {
        this.warn(error);
      }
    }
  }

  override async onTrainEnd(): Promise<void> {
    if (!this.runId) return;
    await Promise.all(this.reads);
    this.reads = [];
    const model = this.model as unknown as { stopTraining?: boolean };
    const es = this.earlyStopping;
    // MLflow logs `stopped_epoch` only when early stopping did stop training.
    if (es && model.stopTraining && es.stoppedEpoch !== undefined) this.logAll({ stopped_epoch: es.stoppedEpoch }, 0);
    if (this.options.logModel) {
      const logger = this.options.logModel;
      this.later(logger((this.options.fit?.model ?? this.model) as tf.LayersModel, { runId: this.runId }));
    }
    await Promise.all(this.background);
    this.background = [];
    if (this.ownRun) {
      this.ownRun = false;
      await endRun('FINISHED');
    }
    this.runId = undefined;
    this.iteration = 0;
  }
}

// Used without autolog, the callback sees only TF.js's callback params, not the fit arguments.
function fromCallbackParams(p: Record<string, unknown> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  if (p.epochs !== undefined) out.epochs = String(p.epochs);
  if (p.batchSize !== undefined && p.batchSize !== null) out.batch_size = String(p.batchSize);
  if (p.initialEpoch !== undefined) out.initial_epoch = String(p.initialEpoch);
  if (p.steps !== undefined && p.steps !== null) out.steps_per_epoch = String(p.steps);
  return out;
}

/** A {@link LabbookCallback}: pass it in `model.fit(x, y, { callbacks: [labbookCallback()] })`. */
export function labbookCallback(options: LabbookCallbackOptions = {}): LabbookCallback {
  return new LabbookCallback(options);
}
