import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type Client, LabbookError, loadModel, type ModelSignature } from '@labbook/core';

interface ScoringModule {
  startScoringServer(options: Record<string, unknown>): Promise<{ url: string; close(): Promise<void> }>;
  startScoringWorkers?(options: Record<string, unknown>): Promise<{ url: string; close(): Promise<void> }>;
  parseJsonInput(body: unknown, schema: ModelSignature['inputs']): { input: unknown; params?: Record<string, unknown> };
  parseCsvInput(text: string, schema: ModelSignature['inputs']): { input: unknown; params?: Record<string, unknown> };
  predictionsBody(value: unknown): string;
}

// The server package is loaded only for these commands, so the rest of the CLI starts without Fastify.
async function loadScoring(): Promise<ScoringModule> {
  const name = '@labbook/server';
  let mod: Partial<ScoringModule>;
  try {
    mod = (await import(name)) as Partial<ScoringModule>;
  } catch (error) {
    throw new LabbookError('FEATURE_DISABLED', `[labbook] serving models needs ${name}: install it (npm install ${name})`, {
      cause: error,
    });
  }
  if (typeof mod.startScoringServer !== 'function')
    throw new LabbookError('INTERNAL_ERROR', `${name} has no startScoringServer export: upgrade it`);
  return mod as ScoringModule;
}

function env(name: string): string | undefined {
  return process.env[`LABBOOK_${name}`] ?? process.env[`MLFLOW_${name}`];
}

function positive(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new LabbookError('INVALID_PARAMETER_VALUE', `${what} must be a positive number, got '${value}'`);
  return n;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface ServeOptions {
  modelUri: string;
  host: string;
  port: string;
  timeout: string;
  workers: string;
  allowedHosts?: string;
}

interface PredictOptions {
  modelUri: string;
  inputPath?: string;
  outputPath?: string;
  contentType: string;
}

/**
 * `labbook models serve` and `labbook models predict`, with `mlflow models serve/predict`'s flags.
 * Models load in this process: `--env-manager` has no counterpart, the installed flavors are used.
 */
export function modelsCommand(program: Command, getClient: () => Client): void {
  const models = program.command('models').description('serve a model over HTTP or score a file with it (as `mlflow models`)');

  models
    .command('serve')
    .description("serve a model on MLflow's scoring protocol: POST /invocations, GET /ping, /health, /version")
    // -h is --host here, as in `mlflow models serve`: help stays reachable as --help.
    .helpOption('--help', 'display help for command')
    .requiredOption('-m, --model-uri <uri>', 'the model: a path, runs:/<run_id>/<path>, models:/<name>/<version>, models:/<name>@<alias>')
    .option('-h, --host <host>', 'address to listen on (MLFLOW_HOST)', env('HOST') ?? '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on (MLFLOW_PORT)', env('PORT') ?? '5000')
    .option(
      '-t, --timeout <seconds>',
      'request timeout in seconds (MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT)',
      process.env.MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT ?? '60',
    )
    .option(
      '-w, --workers <n>',
      'worker processes serving the model on the same port (MLFLOW_MODELS_WORKERS); one per core is the most that helps',
      process.env.MLFLOW_MODELS_WORKERS ?? '1',
    )
    .option('--allowed-hosts <hosts>', 'comma-separated Host header allow-list (default: localhost names on loopback, any otherwise)')
    .action(async (opts: ServeOptions) => {
      const scoring = await loadScoring();
      const port = Number.parseInt(opts.port, 10);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new LabbookError('INVALID_PARAMETER_VALUE', `--port must be a port number, got '${opts.port}'`);
      const workers = Number(opts.workers);
      if (!Number.isInteger(workers) || workers < 1)
        throw new LabbookError(
          'INVALID_PARAMETER_VALUE',
          `--workers must be a whole number of processes (1 or more), got '${opts.workers}'`,
        );
      const common = {
        modelUri: opts.modelUri,
        host: opts.host,
        port,
        timeoutSeconds: positive(opts.timeout, '--timeout'),
        ...(opts.allowedHosts ? { allowedHosts: opts.allowedHosts.split(',') } : {}),
      };
      let server: { url: string; close(): Promise<void> };
      if (workers === 1) server = await scoring.startScoringServer({ ...common, loadOptions: { client: getClient() } });
      else {
        if (!scoring.startScoringWorkers)
          throw new LabbookError(
            'FEATURE_DISABLED',
            '[labbook] --workers needs a newer @labbook/server: upgrade it, or serve with one worker',
          );
        server = await scoring.startScoringWorkers({ ...common, workers, client: getClient() });
      }
      const shown = workers === 1 ? '' : ` (${workers} worker processes)`;
      process.stdout.write(`labbook scoring server for ${opts.modelUri} listening at ${server.url}${shown}\n`);
      // Requests in flight finish and the model is closed before exit 0; a second signal exits at once.
      // The exit is explicit: a flavor's native threads (onnxruntime) must not keep the process up.
      const stop = () => {
        process.once('SIGINT', () => process.exit(130));
        process.once('SIGTERM', () => process.exit(143));
        void server
          .close()
          .then(() => getClient().close())
          .then(
            () => process.exit(0),
            (error: unknown) => {
              process.stderr.write(`labbook: shutting down failed: ${(error as Error).message}\n`);
              process.exit(1);
            },
          );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  models
    .command('predict')
    .description('score a JSON or CSV file with a model and write {"predictions": …} (as `mlflow models predict`)')
    .requiredOption('-m, --model-uri <uri>', 'the model: a path, runs:/<run_id>/<path>, models:/<name>/<version>, models:/<name>@<alias>')
    .option('-i, --input-path <file>', 'input file: a /invocations JSON body or a CSV with a header row (default: stdin)')
    .option('-o, --output-path <file>', 'where to write the predictions (default: stdout)')
    .option('-t, --content-type <type>', 'json or csv', 'json')
    .action(async (opts: PredictOptions) => {
      const type = opts.contentType.toLowerCase();
      if (type !== 'json' && type !== 'csv')
        throw new LabbookError('INVALID_PARAMETER_VALUE', `--content-type must be json or csv, got '${opts.contentType}'`);
      const scoring = await loadScoring();
      const text = opts.inputPath ? await readFile(opts.inputPath, 'utf8') : await readStdin();
      const model = await loadModel(opts.modelUri, { client: getClient() });
      try {
        const schema = model.signature?.inputs;
        let parsed: { input: unknown; params?: Record<string, unknown> };
        if (type === 'csv') parsed = scoring.parseCsvInput(text, schema);
        else {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch (error) {
            throw new LabbookError(
              'BAD_REQUEST',
              `Failed to parse input from JSON (${opts.inputPath ?? 'stdin'}): ${(error as Error).message}`,
            );
          }
          parsed = scoring.parseJsonInput(body, schema);
        }
        const out = scoring.predictionsBody(await model.predict(parsed.input, parsed.params));
        if (opts.outputPath) await writeFile(opts.outputPath, `${out}\n`, 'utf8');
        else process.stdout.write(`${out}\n`);
      } finally {
        await model.close();
      }
    });
}
