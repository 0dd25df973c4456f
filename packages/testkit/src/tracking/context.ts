import { type CreateRunOptions, type GuardedTrackingStore, type Run, type TrackingStore, validatedTrackingStore } from '@labbook/core';
import { afterAll, beforeAll } from 'vitest';
import { type ResolvedTrackingCapabilities, type TrackingCapabilities, resolveTrackingCapabilities } from '../capabilities.js';
import { uniqueName } from '../names.js';

/** Options of {@link describeTrackingStore}. */
export interface TrackingSuiteOptions {
  /** Shown in the suite title (`mysql`, `labbook-plugin-memory`). */
  name: string;
  /**
   * Returns a fresh, empty store with its own database or folder (experiment `0` present, as a new
   * MLflow store has it). The suite creates one shared store, plus a few short-lived ones for tests
   * that change store-wide state.
   */
  create: () => Promise<TrackingStore | GuardedTrackingStore>;
  /** Drops what `create` made (database, folder). Default: `store.close()`. */
  cleanup?: (store: TrackingStore | GuardedTrackingStore) => Promise<void>;
  /** What the backend does where MLflow's backends differ. */
  capabilities?: TrackingCapabilities;
  /**
   * An explicit experiment artifact location the store accepts, for an experiment name. Default: a
   * relative folder named after the suite. A server that allows local locations only under its own
   * artifact root needs one there (or a proxied `mlflow-artifacts:` URI).
   */
  artifactLocationFor?: (experimentName: string) => string;
  /** Backend-specific tests, registered inside the suite with the same context. */
  additionalTests?: (ctx: TrackingSuiteContext) => void;
}

/** What every tracking test group receives. Properties are usable inside tests (after `beforeAll`). */
export interface TrackingSuiteContext {
  /** The shared store behind core's guard (`validatedTrackingStore`), so validation errors are covered. */
  readonly store: GuardedTrackingStore;
  /** The store as `create` returned it: the plugin's v2 store (or an already guarded one). */
  readonly raw: TrackingStore | GuardedTrackingStore;
  readonly capabilities: ResolvedTrackingCapabilities;
  readonly options: TrackingSuiteOptions;
  /** Runs `fn` with a brand-new validated store, cleaned up afterwards. */
  withFreshStore<T>(fn: (store: GuardedTrackingStore) => Promise<T>): Promise<T>;
  /** Creates an experiment with a unique name in the shared store and returns its id. */
  newExperiment(prefix?: string): Promise<string>;
  /** Creates a run (in a new experiment unless one is given) in the shared store. */
  newRun(options?: Partial<CreateRunOptions>): Promise<Run>;
}

/**
 * Creates the context of a tracking suite and registers its `beforeAll`/`afterAll` hooks in the
 * current `describe`. Use it to compose exported groups yourself:
 *
 * ```ts
 * describe('my store', () => {
 *   const ctx = trackingSuiteContext({ name: 'mine', create });
 *   trackingRunTests(ctx);
 * });
 * ```
 */
export function trackingSuiteContext(options: TrackingSuiteOptions): TrackingSuiteContext {
  let raw: TrackingStore | GuardedTrackingStore | undefined;
  let store: GuardedTrackingStore | undefined;
  const cleanup = async (s: TrackingStore | GuardedTrackingStore) => {
    if (options.cleanup) await options.cleanup(s);
    else await s.close?.();
  };
  beforeAll(async () => {
    raw = await options.create();
    store = validatedTrackingStore(raw);
  });
  afterAll(async () => {
    if (raw) await cleanup(raw);
  });
  const ctx: TrackingSuiteContext = {
    get store() {
      if (!store) throw new TypeError('[labbook] [testkit] the tracking store is only available inside tests');
      return store;
    },
    get raw() {
      if (!raw) throw new TypeError('[labbook] [testkit] the tracking store is only available inside tests');
      return raw;
    },
    capabilities: resolveTrackingCapabilities(options.capabilities),
    options,
    async withFreshStore(fn) {
      const fresh = await options.create();
      try {
        return await fn(validatedTrackingStore(fresh));
      } finally {
        await cleanup(fresh);
      }
    },
    newExperiment(prefix = 'testkit') {
      return ctx.store.createExperiment(uniqueName(prefix));
    },
    async newRun(runOptions = {}) {
      const experimentId = runOptions.experimentId ?? (await ctx.newExperiment('testkit-run'));
      return ctx.store.createRun({ startTime: Date.now(), ...runOptions, experimentId });
    },
  };
  return ctx;
}
