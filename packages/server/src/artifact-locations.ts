/**
 * Where the server reads and writes artifacts for an artifact URI, and which URIs clients may point
 * runs and model versions at. Every repository handed out is wrapped by core's
 * `safeArtifactRepository`, so each path it receives has been fully decoded and checked.
 */
import {
  type ArtifactRepository,
  appendToUri,
  FORBIDDEN_ARTIFACT_PATH_CHARS,
  hasForbiddenArtifactPathChar,
  isInside,
  LabbookError,
  localPathFromUri,
  normalizeArtifactPath,
  parseScheme,
  resolveArtifactRepository,
  safeArtifactRepository,
} from '@labbook/core';
import { isLocalUri } from './local-uri.js';
import { PrefixedArtifactRepository } from './prefixed-artifact-repository.js';

const PROXY_HTTP_ANCHOR = '/api/2.0/mlflow-artifacts/artifacts';
const CACHE_LIMIT = 256;

/** What {@link ArtifactLocations} needs to know about the server's setup. */
export interface ArtifactLocationsOptions {
  /** The artifacts destination repository when the server proxies artifacts. */
  destination?: ArtifactRepository;
  /** The artifacts destination URI (to map local `mlflow-artifacts:` roots onto disk). */
  destinationUri?: string;
  /** Local folders clients may use as experiment artifact locations. */
  localRoots: string[];
  /** The server's default artifact root, under which a relative experiment location is placed. */
  defaultRoot?: string;
}

function invalid(field: string, message: string): LabbookError {
  return new LabbookError('INVALID_PARAMETER_VALUE', message, { field });
}

/** The path after the anchor of a proxied-artifact URI, or undefined for any other URI. */
export function proxiedPathOf(uri: string): string | undefined {
  const scheme = parseScheme(uri);
  if (scheme === 'mlflow-artifacts') {
    const rest = uri.replace(/^mlflow-artifacts:/i, '');
    // `mlflow-artifacts://host:port/path` names a server; the path is what follows the authority.
    const path = rest.startsWith('//') ? rest.replace(/^\/\/[^/]*/, '') : rest;
    return normalizeArtifactPath(path.replace(/^\/+/, ''), 'artifact_uri');
  }
  if (scheme === 'http' || scheme === 'https') {
    const at = uri.indexOf(PROXY_HTTP_ANCHOR);
    if (at >= 0) return normalizeArtifactPath(uri.slice(at + PROXY_HTTP_ANCHOR.length).replace(/^\/+/, ''), 'artifact_uri');
  }
  return undefined;
}

/** A location with no scheme that is not absolute (`my_location`, `a/b`). */
function isRelativeLocation(location: string): boolean {
  return !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location) && !location.startsWith('/') && !location.startsWith('~');
}

/** Resolves artifact URIs to repositories and vets client-chosen locations. */
export class ArtifactLocations {
  private readonly cache = new Map<string, Promise<ArtifactRepository>>();
  private readonly localRoots: string[];

  constructor(private readonly options: ArtifactLocationsOptions) {
    this.localRoots = options.localRoots.map((r) => localPathFromUri(r, { field: 'artifact_root' }));
  }

  /** The repository holding the files of an artifact URI (a run's or a model version's root). */
  repositoryFor(uri: string): Promise<ArtifactRepository> {
    let repo = this.cache.get(uri);
    if (!repo) {
      repo = this.open(uri);
      repo.catch(() => this.cache.delete(uri));
      // A small bound: URIs are per run, and a busy server sees many.
      if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(uri, repo);
    }
    return repo;
  }

  private async open(uri: string): Promise<ArtifactRepository> {
    const proxied = proxiedPathOf(uri);
    if (proxied !== undefined) {
      if (!this.options.destination) {
        throw new LabbookError(
          'INVALID_PARAMETER_VALUE',
          `The artifact URI '${uri}' is served by an artifact proxy, but this server does not serve artifacts (--serve-artifacts is off)`,
        );
      }
      return safeArtifactRepository(new PrefixedArtifactRepository(this.options.destination, proxied));
    }
    return safeArtifactRepository(await resolveArtifactRepository(uri, {}));
  }

  /**
   * The local folder of an artifact URI, when it has one: a `file:`/bare path, or a proxied URI over a
   * local destination. Used to decide whether a local model source lies inside a run's artifacts.
   */
  localFolderOf(uri: string): string | undefined {
    const proxied = proxiedPathOf(uri);
    if (proxied !== undefined) {
      const dest = this.options.destinationUri;
      if (!dest || !isLocalUri(dest)) return undefined;
      return localPathFromUri(`${localPathFromUri(dest, { field: 'artifacts_destination' })}/${proxied}`, { field: 'artifact_uri' });
    }
    return isLocalUri(uri) ? localPathFromUri(uri, { field: 'artifact_uri' }) : undefined;
  }

  /**
   * Checks an experiment's `artifact_location` chosen by a client: no fragment, URL params, control
   * characters or `..` (MLflow's CVE-2023-6909, CVE-2024-1593, PR #10653 class), and a local location
   * only inside the folders this server stores artifacts in, so no client can make the server read or
   * write elsewhere on its disk.
   */
  checkExperimentLocation(location: string): string {
    const field = 'artifact_location';
    if (isRelativeLocation(location) && this.options.defaultRoot !== undefined) {
      // MLflow accepts `"my_location"`; placed under the server's artifact root it is usable and
      // cannot escape it (normalizeArtifactPath refuses `..` and absolute forms, encoded or not).
      const relative = normalizeArtifactPath(location, field);
      if (relative === '') throw invalid(field, `Invalid artifact location '${location}': name a folder, or leave artifact_location out`);
      return this.checkExperimentLocation(appendToUri(this.options.defaultRoot, relative));
    }
    if (hasForbiddenArtifactPathChar(location, field))
      throw invalid(field, `Invalid artifact location '${location}': it contains ${FORBIDDEN_ARTIFACT_PATH_CHARS}, encoded or not`);
    let decoded = location;
    for (let i = 0; i < 10; i++) {
      let next: string;
      try {
        next = decodeURIComponent(decoded);
      } catch {
        break;
      }
      if (next === decoded) break;
      decoded = next;
    }
    if (decoded.split(/[/?&=]/).includes('..')) {
      throw invalid(field, `Invalid artifact location '${location}': '..' segments are not allowed, encoded or not`);
    }
    if (proxiedPathOf(location) !== undefined) return location;
    if (!isLocalUri(location)) return location;
    const path = localPathFromUri(location, { field });
    if (!this.localRoots.some((root) => isInside(root, path))) {
      throw invalid(field, `Invalid artifact location '${location}': a local artifact location must lie inside the server's artifact root`);
    }
    return location;
  }
}
