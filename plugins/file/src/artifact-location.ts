import { isAbsolute, resolve } from 'node:path';

/** Experiment artifact locations: URIs are kept, local paths become absolute (as MLflow does). */
export function resolveArtifactLocation(location: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location) && !/^[a-zA-Z]:[\\/]/.test(location)) return location.replace(/\/+$/, '');
  return isAbsolute(location) ? location : resolve(location);
}
