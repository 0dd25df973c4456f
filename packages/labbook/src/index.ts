/**
 * labbook: experiment tracking for TypeScript and Node, compatible with MLflow. This package
 * re-exports the whole `@labbook/core` API and brings the embedded file store (`./mlruns`), so
 * `import { startRun, logMetric } from 'labbook'` works with no setup.
 * @packageDocumentation
 */
export * from '@labbook/core';
