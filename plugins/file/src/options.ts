import { invalidParameter, OptionChecks, type StoreFactoryOptions } from '@labbook/core/plugin';
import { MSG } from './constants.js';

/** Options of {@link FileTrackingStore}. */
export interface FileTrackingStoreOptions {
  /** The store root: a path or a `file:` URI (`./mlruns` when absent). */
  root?: string;
  /** Default artifact root of new experiments; `file://<abs root>` when absent. */
  artifactRoot?: string;
  /**
   * fsync metadata files (meta.yaml, params, tags) before they replace the old ones, so an OS crash
   * cannot leave an empty file. Metric appends are never fsynced. Default true.
   */
  fsync?: boolean;
  /** Where warnings about repaired or ignored data go. Default: `process.emitWarning`. */
  onWarning?: (message: string) => void;
  /**
   * Bytes of parsed metric histories kept for {@link FileTrackingStore.getMetricHistoryColumns}
   * (24 per point; least recently used dropped first). 0 keeps none. Default 64 MiB.
   */
  metricColumnsCacheBytes?: number;
}

/** Options of {@link FileRegistryStore}. */
export interface FileRegistryStoreOptions {
  /** The store root (the registry lives in `<root>/models`): a path or `file:` URI, `./mlruns` by default. */
  root?: string;
  /** fsync meta.yaml files before they replace the old ones. Default true. */
  fsync?: boolean;
  onWarning?: (message: string) => void;
}

/**
 * Checks `metricColumnsCacheBytes`: a whole number of bytes, 0 or more, or absent.
 * @throws INVALID_PARAMETER_VALUE naming the option otherwise.
 */
export function checkMetricColumnsCacheBytes(cacheBytes: number | undefined): void {
  if (cacheBytes !== undefined && !(Number.isSafeInteger(cacheBytes) && cacheBytes >= 0)) {
    throw invalidParameter(`${MSG} metricColumnsCacheBytes must be a whole number of bytes, 0 or more; got ${cacheBytes}`, {
      field: 'metricColumnsCacheBytes',
    });
  }
}

/**
 * The tracking store options of a `file` URI and the options given to the plugin's factory. Only
 * `artifactRoot` is read from the factory options; the others are settings of other backends.
 * @throws INVALID_PARAMETER_VALUE naming the option when `artifactRoot` is present but not a string.
 */
export function trackingStoreOptionsFromFactory(uri: string, options: StoreFactoryOptions): FileTrackingStoreOptions {
  const artifactRoot = new OptionChecks(options, MSG).string('artifactRoot');
  return artifactRoot === undefined ? { root: uri } : { root: uri, artifactRoot };
}
