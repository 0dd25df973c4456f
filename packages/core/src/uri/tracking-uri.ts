import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

let trackingUriOverride: string | undefined;
let registryUriOverride: string | undefined;

function envValue(...names: string[]): string | undefined {
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/** Sets the process-wide tracking URI (a path, `file:`, `http(s)://`, `mysql://`…); `undefined` unsets it. */
export function setTrackingUri(uri: string | URL | undefined): void {
  trackingUriOverride = uri === undefined ? undefined : String(uri);
}

/** Sets the process-wide registry URI; `undefined` unsets it (then the tracking URI is used). */
export function setRegistryUri(uri: string | URL | undefined): void {
  registryUriOverride = uri === undefined ? undefined : String(uri);
}

/** True when a tracking URI was set in code or in the environment. */
export function isTrackingUriSet(): boolean {
  return trackingUriOverride !== undefined || envValue('LABBOOK_TRACKING_URI', 'MLFLOW_TRACKING_URI') !== undefined;
}

/** The default store: `./mlruns` under the working directory, as a `file:` URI. */
export function defaultTrackingUri(): string {
  return pathToFileURL(resolve(process.env.MLFLOW_TRACKING_DIR ?? 'mlruns')).href;
}

/**
 * The tracking URI in force: the argument, then {@link setTrackingUri}, then `LABBOOK_TRACKING_URI`,
 * then `MLFLOW_TRACKING_URI`, then `./mlruns` (the file store).
 */
export function getTrackingUri(explicit?: string): string {
  return explicit ?? trackingUriOverride ?? envValue('LABBOOK_TRACKING_URI', 'MLFLOW_TRACKING_URI') ?? defaultTrackingUri();
}

/**
 * The registry URI in force: the argument, then {@link setRegistryUri}, then `LABBOOK_REGISTRY_URI`,
 * then `MLFLOW_REGISTRY_URI`, then the tracking URI.
 */
export function getRegistryUri(explicit?: string, trackingUri?: string): string {
  return explicit ?? registryUriOverride ?? envValue('LABBOOK_REGISTRY_URI', 'MLFLOW_REGISTRY_URI') ?? getTrackingUri(trackingUri);
}
