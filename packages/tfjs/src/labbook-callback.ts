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
 * Called with the trained model once training ends, inside its run.
 *
 * TODO(models): core's models work is adding `logModel` with a `tfjs` flavor. When it lands, autolog
 * will pass a default logger here that saves the model as the `model` artifact with that flavor (as
 * MLflow's autolog logs `model`). Until then nothing is logged unless the caller supplies one.
 */
export type TrainedModelLogger = (model: tf.LayersModel, context: { runId: string }) => Promise<void>;

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
 * store; params and the summary are written in the background and awaited when training ends.
 * Without an active run it starts one at train begin and ends it at train end.
 */
export class LabbookCallback extends tf.Callback {
  private readonly options: LabbookCallbackOptions;
  private ownRun = false;
  private runId: string | undefined;
  private iteration = 0;
  private background: Promise<unknown>[] = [];
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
    this.background.push(p.catch((e) => this.warn(e)));
  }

  private get logsEpochs(): boolean {
    return this.options.logEveryNSteps === undefined && this.options.logEveryEpoch !== false;
  }

  override async onTrainBegin(): Promise<void> {
    try {
      let run = activeRun();
      if (!run) {
        run = await startRun({ ...(this.options.tags ? { tags: this.options.tags } : {}) });
        this.ownRun = true;
      }
      this.runId = run.runId;
    } catch (error) {
      this.warn(error);
      return;
    }
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

  override async onBatchEnd(_batch: number, logs?: tf.Logs): Promise<void> {
    const n = this.options.logEveryNSteps;
    if (n === undefined || !this.runId) return;
    this.iteration += 1;
    if (this.iteration % n !== 0) return;
    this.logAll(await readLogs(logs as Record<string, unknown>), this.iteration);
  }

  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    if (!this.logsEpochs || !this.runId) return;
    this.logAll(await readLogs(logs as Record<string, unknown>), epoch);
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
