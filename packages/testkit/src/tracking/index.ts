import { describe } from 'vitest';
import { CONTRACT_VERSION } from '../contract-version.js';
import { type TrackingSuiteOptions, trackingSuiteContext } from './context.js';
import { trackingExperimentTests } from './experiments.js';
import { trackingLoggedModelTests } from './logged-models.js';
import { trackingLoggingTests } from './logging.js';
import { trackingRunTests } from './runs.js';
import { trackingSearchTests } from './search.js';
import { trackingValidationTests } from './validation.js';

export * from './context.js';
export {
  trackingExperimentTests,
  trackingLoggedModelTests,
  trackingLoggingTests,
  trackingRunTests,
  trackingSearchTests,
  trackingValidationTests,
};

/**
 * The conformance suite for a plugin's TrackingStore (contract {@link CONTRACT_VERSION}), run through
 * core's guard: every method, every validation error, search grammar, lifecycle, param
 * immutability, NaN/Inf metrics and concurrent writers, against your real backend.
 */
export function describeTrackingStore(options: TrackingSuiteOptions): void {
  describe(`TrackingStore conformance (plugin contract v${CONTRACT_VERSION}): ${options.name}`, () => {
    const ctx = trackingSuiteContext(options);
    trackingExperimentTests(ctx);
    trackingRunTests(ctx);
    trackingLoggingTests(ctx);
    trackingSearchTests(ctx);
    trackingValidationTests(ctx);
    trackingLoggedModelTests(ctx);
    options.additionalTests?.(ctx);
  });
}
