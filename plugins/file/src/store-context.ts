import { promises as fsp } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolveArtifactLocation } from './artifact-location.js';
import { ioError } from './errors.js';
import { localPathFromUri } from '@labbook/core/plugin';
import { type FileTrackingStoreOptions, checkMetricColumnsCacheBytes } from './options.js';
import { RunReader } from './run-reader.js';

/** Where a run lives, cached so its experiment is not looked for again. */
export interface RunLocation {
  experimentId: string;
  expDir: string;
  runDir: string;
}

/**
 * What the modules of one {@link FileTrackingStore} share: its settings and its per-process caches,
 * so they can work on the store without holding the class.
 */
export interface StoreContext {
  /** Absolute path of the store root. */
  readonly root: string;
  /** Artifact root of new experiments. */
  readonly artifactRootUri: string;
  readonly fsync: boolean;
  readonly reader: RunReader;
  readonly warn: (message: string) => void;
  readonly runLocations: Map<string, RunLocation>;
  /** Folders known to exist, so a key file's parent is created once per process. */
  readonly knownDirs: Set<string>;
  /** Metric files whose tail this process has checked (see `repairMetricTail`). */
  readonly checkedMetricFiles: Set<string>;
  /**
   * Opens the store once (the `.trash` folder, the default experiment); a failed opening is retried
   * by the next call.
   */
  init(): Promise<void>;
}

function defaultWarn(message: string): void {
  process.emitWarning(message, { code: 'LABBOOK_FILE_STORE' });
}

/**
 * The context of a store built from its options. `open` prepares the store folder on first use; it
 * is passed in so this module needs none of the modules that use the context.
 * @throws INVALID_PARAMETER_VALUE for an unusable root or metricColumnsCacheBytes.
 */
export function createStoreContext(options: FileTrackingStoreOptions, open: (ctx: StoreContext) => Promise<void>): StoreContext {
  const root = localPathFromUri(options.root ?? 'mlruns');
  const artifactRootUri = options.artifactRoot
    ? resolveArtifactLocation(options.artifactRoot)
    : pathToFileURL(root).href.replace(/\/$/, '');
  const warn = options.onWarning ?? defaultWarn;
  checkMetricColumnsCacheBytes(options.metricColumnsCacheBytes);
  let ready: Promise<void> | undefined;
  const ctx: StoreContext = {
    root,
    artifactRootUri,
    fsync: options.fsync ?? true,
    reader: new RunReader(warn, options.metricColumnsCacheBytes),
    warn,
    runLocations: new Map(),
    knownDirs: new Set(),
    checkedMetricFiles: new Set(),
    init() {
      ready ??= open(ctx).catch((error) => {
        ready = undefined;
        throw ioError(`opening the store at ${root}`, error);
      });
      return ready;
    },
  };
  return ctx;
}

/** Creates the parent folders of a key file once per process (keys with `/` are nested folders). */
export async function ensureDir(ctx: StoreContext, dir: string): Promise<void> {
  if (ctx.knownDirs.has(dir)) return;
  await fsp.mkdir(dir, { recursive: true });
  ctx.knownDirs.add(dir);
}
