import type { AuthOptions } from './auth.js';
import type { ArtifactRepository, GuardedRegistryStore, GuardedTrackingStore, RegistryStore, TrackingStore } from '@labbook/core';

/** Options of {@link createServer}/{@link startServer}, named after `mlflow server`'s flags. */
export interface ServerOptions {
  /** Tracking backend URI (`--backend-store-uri`), default `./mlruns`. */
  backendStoreUri?: string;
  /** Registry backend URI (`--registry-store-uri`), default: the backend store URI. */
  registryStoreUri?: string;
  /** Artifact root of new experiments (`--default-artifact-root`), default `mlflow-artifacts:/` when serving artifacts. */
  defaultArtifactRoot?: string;
  /** Proxy artifact uploads/downloads (`--serve-artifacts`), default true. */
  serveArtifacts?: boolean;
  /** Where proxied artifacts are stored (`--artifacts-destination`), default `./mlartifacts`. */
  artifactsDestination?: string;
  /** Serve only the artifact proxy (`--artifacts-only`). */
  artifactsOnly?: boolean;
  /** Interface to bind, default `127.0.0.1`. */
  host?: string;
  /** Port, default 5000; 0 picks a free one. */
  port?: number;
  /** Prefix of every route (`--static-prefix`), e.g. `/mlflow`. */
  staticPrefix?: string;
  /** Host header values accepted (DNS-rebinding protection); default: localhost names and the bound host. `*` allows all. */
  allowedHosts?: string[];
  /**
   * Origins allowed to make state-changing cross-origin requests, and answered with CORS headers;
   * default none. `*` allows every origin.
   */
  corsAllowedOrigins?: string[];
  /**
   * Origins, besides the server's own, whose pages may make state-changing requests (POST, PUT,
   * DELETE, …), without CORS headers: e.g. `https://labbook.example` when a TLS proxy serves the UI.
   * The server's own origin is the scheme, host and port of the Host it is reached at; any other
   * origin, even another port of the same loopback host, is refused with 403. Requests without an
   * Origin header (curl, SDKs) are not affected. `*` allows every origin. Default none.
   */
  allowedOrigins?: string[];
  /** Require authentication on every route but /health (basic from a password file, bearer tokens). */
  auth?: AuthOptions;
  /** Largest request body in bytes (default 50 MB for JSON; artifact uploads stream). */
  bodyLimit?: number;
  /**
   * Largest file uploaded through the artifact proxy (`PUT /api/2.0/mlflow-artifacts/artifacts/...`),
   * in bytes; larger uploads are refused with 413 (`RESOURCE_EXHAUSTED`) and leave no file. Checked
   * against Content-Length up front and counted while chunked bodies stream. Default: the
   * `LABBOOK_SERVER_MAX_ARTIFACT_UPLOAD_BYTES` environment variable when set (so `labbook server` takes
   * it too), else 5 GiB.
   */
  maxArtifactUploadBytes?: number;
  /**
   * The deployments (AI gateway) server the UI's `gateway-proxy` forwards to; default
   * `MLFLOW_DEPLOYMENTS_TARGET`. Unset, the proxy answers an empty gateway, as MLflow's does.
   */
  deploymentsTarget?: string;
  /** Already-built stores (tests inject these instead of URIs). */
  trackingStore?: TrackingStore | GuardedTrackingStore;
  registryStore?: RegistryStore | GuardedRegistryStore;
  artifactRepository?: ArtifactRepository;
  /**
   * Folder of the web UI's static build; default: `@labbook/ui`'s `dist` when installed. `''` turns
   * the UI off.
   */
  uiDir?: string;
  /** Extra local folders clients may name as experiment artifact locations. */
  allowedArtifactRoots?: string[];
  /**
   * Every model version source must match this (`MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX`
   * is read when unset).
   */
  modelVersionSourcePattern?: string | RegExp;
  /** Pino logger options or `false` to silence logs (structured JSON lines with request ids). */
  logger?: boolean | Record<string, unknown>;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, including the static prefix. */
  url: string;
  /** Stops accepting connections, lets requests in flight finish, then closes the stores. */
  close(): Promise<void>;
}
