/** Python's `str()` of a value, as MLflow logs a `fit()` argument. */
export function pythonStr(value: unknown): string {
  if (value === undefined || value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A float as Python prints it (`0` → `0.0`), for arguments Keras declares as floats. */
export function pythonFloat(value: number | undefined): string {
  if (value === undefined) return 'None';
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** TF.js camelCase to the snake_case Keras uses (`learningRate` → `learning_rate`, `beta1` → `beta_1`). */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([a-zA-Z])(\d+)/g, '$1_$2')
    .toLowerCase();
}

type FitArgs = Record<string, unknown>;

/**
 * The `fit()` arguments MLflow's tensorflow autolog logs, by their Keras names, with Keras defaults for
 * the ones not given. `x`, `y`, `callbacks`, `validation_data` and `verbose` are left out, as MLflow
 * does; `sample_weight` is left out when given (a tensor's text is not a useful param).
 */
export function fitParams(args: FitArgs = {}): Record<string, string> {
  const out: Record<string, string> = {
    epochs: pythonStr(args.epochs ?? 1),
    batch_size: pythonStr(args.batchSize ?? 32),
    validation_split: pythonFloat((args.validationSplit as number | undefined) ?? 0),
    shuffle: pythonStr(args.shuffle ?? true),
    class_weight: pythonStr(args.classWeight),
    initial_epoch: pythonStr(args.initialEpoch ?? 0),
    steps_per_epoch: pythonStr(args.stepsPerEpoch),
    validation_steps: pythonStr(args.validationSteps),
  };
  if (args.sampleWeight === undefined) out.sample_weight = 'None';
  return out;
}

/** The `fitDataset()` arguments, by the Keras names of what they mean (`batchesPerEpoch` is `steps_per_epoch`). */
export function fitDatasetParams(args: FitArgs = {}): Record<string, string> {
  return {
    epochs: pythonStr(args.epochs ?? 1),
    steps_per_epoch: pythonStr(args.batchesPerEpoch),
    validation_steps: pythonStr(args.validationBatches),
    validation_batch_size: pythonStr(args.validationBatchSize),
    class_weight: pythonStr(args.classWeight),
    initial_epoch: pythonStr(args.initialEpoch ?? 0),
  };
}

/** What TF.js's optimizers expose. */
export interface OptimizerLike {
  getClassName?(): string;
  getConfig?(): Record<string, unknown>;
}

/** `opt_name` and `opt_<config key>` params, as MLflow's tensorflow autolog logs the optimizer. */
export function optimizerParams(optimizer: OptimizerLike | undefined): Record<string, string> {
  if (!optimizer) return {};
  const out: Record<string, string> = {};
  const name = optimizer.getClassName?.() ?? (optimizer.constructor as { className?: string })?.className;
  if (name) out.opt_name = name;
  let config: Record<string, unknown> = {};
  try {
    config = optimizer.getConfig?.() ?? {};
  } catch {
    // Some optimizers (wrapped or custom) do not implement getConfig; the name alone is still useful.
  }
  for (const [key, value] of Object.entries(config)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[`opt_${toSnakeCase(key)}`] = pythonStr(value);
  }
  return out;
}

/** The fields of a TF.js `EarlyStopping` callback (protected in its types, public at run time). */
export interface EarlyStoppingLike {
  monitor: string;
  minDelta: number;
  patience: number;
  baseline?: number;
  mode?: string;
  stoppedEpoch?: number;
}

/** Whether a callback is TF.js's `EarlyStopping` (by shape: the user's copy of TF.js may not be ours). */
export function isEarlyStopping(cb: unknown): cb is EarlyStoppingLike {
  if (!cb || typeof cb !== 'object') return false;
  const c = cb as Record<string, unknown>;
  return (
    (cb.constructor?.name === 'EarlyStopping' || 'stoppedEpoch' in c) && typeof c.monitor === 'string' && typeof c.patience === 'number'
  );
}

/** MLflow's early-stopping params. TF.js cannot restore best weights, so that is always `False`. */
export function earlyStoppingParams(cb: EarlyStoppingLike): Record<string, string> {
  return {
    monitor: cb.monitor,
    min_delta: pythonStr(cb.minDelta),
    patience: pythonStr(cb.patience),
    baseline: pythonStr(cb.baseline),
    restore_best_weights: 'False',
  };
}
