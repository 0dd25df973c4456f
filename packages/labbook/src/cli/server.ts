import type { Command } from 'commander';
import { LabbookError } from '@labbook/core';

interface ServerCliOptions {
  backendStoreUri?: string;
  registryStoreUri?: string;
  defaultArtifactRoot?: string;
  serveArtifacts: boolean;
  artifactsDestination?: string;
  artifactsOnly?: boolean;
  host: string;
  port: string;
  staticPrefix?: string;
  allowedHosts?: string;
  corsAllowedOrigins?: string;
  allowedArtifactRoots?: string;
  bodyLimit?: string;
  passwordFile?: string;
  logLevel: string;
}

interface StartedServer {
  url: string;
  close(): Promise<void>;
}

// The server is loaded only when asked for, so the rest of the CLI starts without Fastify.
async function loadServer(): Promise<(options: Record<string, unknown>) => Promise<StartedServer>> {
  const name = '@labbook/server';
  try {
    const mod = (await import(name)) as { startServer?: (options: Record<string, unknown>) => Promise<StartedServer> };
    if (typeof mod.startServer !== 'function') throw new LabbookError('INTERNAL_ERROR', `${name} has no startServer export`);
    return mod.startServer;
  } catch (error) {
    throw new LabbookError('FEATURE_DISABLED', `[labbook] the tracking server needs ${name}: install it (npm install ${name})`, {
      cause: error,
    });
  }
}

/** `--body-limit` as a whole number of bytes, or a typed error naming the option. */
function bodyLimitOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1024) {
    throw new LabbookError(
      'INVALID_PARAMETER_VALUE',
      `[labbook] --body-limit must be a whole number of bytes, at least 1024 (got '${raw}'); the default is 52428800 (50 MiB).`,
      { field: 'body-limit' },
    );
  }
  return n;
}

function env(name: string): string | undefined {
  return process.env[`LABBOOK_${name}`] ?? process.env[`MLFLOW_${name}`];
}

async function run(opts: ServerCliOptions, ui: boolean): Promise<void> {
  const bodyLimit = bodyLimitOf(opts.bodyLimit);
  const startServer = await loadServer();
  const passwordFile = opts.passwordFile ?? process.env.LABBOOK_SERVER_PASSWORD_FILE;
  const tokens = (process.env.LABBOOK_SERVER_TOKENS ?? '').split(',').filter(Boolean);
  const auth =
    passwordFile || tokens.length > 0 ? { ...(passwordFile ? { passwordFile } : {}), ...(tokens.length > 0 ? { tokens } : {}) } : undefined;
  const server = await startServer({
    backendStoreUri: opts.backendStoreUri ?? env('BACKEND_STORE_URI') ?? './mlruns',
    ...((opts.registryStoreUri ?? env('REGISTRY_STORE_URI'))
      ? { registryStoreUri: opts.registryStoreUri ?? env('REGISTRY_STORE_URI') }
      : {}),
    ...((opts.defaultArtifactRoot ?? env('DEFAULT_ARTIFACT_ROOT'))
      ? { defaultArtifactRoot: opts.defaultArtifactRoot ?? env('DEFAULT_ARTIFACT_ROOT') }
      : {}),
    serveArtifacts: opts.serveArtifacts,
    ...((opts.artifactsDestination ?? env('ARTIFACTS_DESTINATION'))
      ? { artifactsDestination: opts.artifactsDestination ?? env('ARTIFACTS_DESTINATION') }
      : {}),
    artifactsOnly: Boolean(opts.artifactsOnly),
    host: opts.host,
    port: Number.parseInt(opts.port, 10),
    ...((opts.staticPrefix ?? env('STATIC_PREFIX')) ? { staticPrefix: opts.staticPrefix ?? env('STATIC_PREFIX') } : {}),
    ...(opts.allowedHosts ? { allowedHosts: opts.allowedHosts.split(',') } : {}),
    ...(opts.corsAllowedOrigins ? { corsAllowedOrigins: opts.corsAllowedOrigins.split(',') } : {}),
    ...(opts.allowedArtifactRoots ? { allowedArtifactRoots: opts.allowedArtifactRoots.split(',').filter(Boolean) } : {}),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    ...(auth ? { auth } : {}),
    // Structured JSON lines (pino) with request ids; `silent` turns them off.
    logger: opts.logLevel === 'silent' ? false : { level: opts.logLevel },
  });
  process.stdout.write(ui ? `labbook UI at ${server.url}/\n` : `labbook server listening at ${server.url}\n`);
  // Requests in flight finish before the process exits; a second signal exits at once.
  const stop = () => {
    process.once('SIGINT', () => process.exit(130));
    process.once('SIGTERM', () => process.exit(143));
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function serverOptions(command: Command, defaults: { serveArtifacts: boolean; logLevel: string }): Command {
  return command
    .option('--backend-store-uri <uri>', 'tracking store URI (MLFLOW_BACKEND_STORE_URI; default ./mlruns)')
    .option('--registry-store-uri <uri>', 'registry store URI (default: the backend store URI)')
    .option('--default-artifact-root <uri>', 'artifact root for new experiments')
    .option('--serve-artifacts', 'proxy artifact uploads and downloads (default)', defaults.serveArtifacts)
    .option('--no-serve-artifacts', 'do not proxy artifacts')
    .option('--artifacts-destination <uri>', 'where proxied artifacts are stored (default ./mlartifacts)')
    .option('--artifacts-only', 'serve only the artifact proxy')
    .option('--host <host>', 'address to listen on', env('HOST') ?? '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on', env('PORT') ?? '5000')
    .option('--static-prefix <prefix>', 'URL prefix for the UI and ajax API, e.g. /labbook')
    .option('--allowed-hosts <hosts>', 'comma-separated Host header allow-list')
    .option('--cors-allowed-origins <origins>', 'comma-separated origins allowed to change state')
    .option(
      '--allowed-artifact-roots <uris>',
      "comma-separated local folders that experiments, runs and imports may name as artifact locations, besides the server's own",
    )
    .option('--body-limit <bytes>', 'largest request body in bytes (default 52428800); one imported run with its history must fit')
    .option(
      '--password-file <file>',
      'require HTTP basic auth against user:scrypt$salt$hash lines (LABBOOK_SERVER_PASSWORD_FILE; bearer tokens from LABBOOK_SERVER_TOKENS)',
    )
    .option('--log-level <level>', 'structured log level: trace, debug, info, warn, error, silent', env('LOG_LEVEL') ?? defaults.logLevel);
}

/** `labbook server` (MLflow's REST API) and `labbook ui` (the same on ./mlruns, for one person). */
export function serverCommands(program: Command): void {
  serverOptions(program.command('server').description("run a tracking server speaking MLflow's REST API"), {
    serveArtifacts: true,
    logLevel: 'info',
  }).action((opts: ServerCliOptions) => run(opts, false));
  serverOptions(program.command('ui').description('start the web UI on a local server over ./mlruns (as `mlflow ui`)'), {
    serveArtifacts: true,
    logLevel: 'warn',
  }).action((opts: ServerCliOptions) => run(opts, true));
}
