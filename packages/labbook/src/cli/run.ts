import { type Command, Option } from 'commander';
import { type Client, invalidParameter, runProject } from '@labbook/core';

function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw invalidParameter(`Invalid format for -P parameter: '${value}'. Use -P name=value.`, { field: 'param_list' });
  const key = value.slice(0, eq);
  // As `mlflow run`: a parameter given twice is a mistake, not an override.
  if (key in previous) throw invalidParameter(`Repeated parameter: '${key}'. Give each -P name only once.`, { field: 'param_list' });
  return { ...previous, [key]: value.slice(eq + 1) };
}

interface RunOptions {
  entryPoint: string;
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  runId?: string;
  backend?: string;
  backendConfig?: string;
  envManager?: string;
  storageDir?: string;
}

/**
 * `labbook --version` prints labbook's version wherever it appears, but `labbook run --version <ref>`
 * names a git ref as in `mlflow run`: after `run`, the flag is renamed before commander sees it.
 */
export function renameRunVersionFlag(argv: string[]): string[] {
  const at = argv.indexOf('run', 2);
  if (at < 0 || argv.slice(2, at).some((a) => !a.startsWith('-') && argv[argv.indexOf(a) - 1] !== '--tracking-uri')) return argv;
  return argv.map((a, i) =>
    i > at && a === '--version' ? '--project-version' : i > at && a.startsWith('--version=') ? `--project-version=${a.slice(10)}` : a,
  );
}

/**
 * `labbook run URI`: runs an MLflow project, as `mlflow run`. Waits for the end; Ctrl-C stops the
 * command and everything it started and ends the run KILLED. Exits 1 when the run does not finish.
 */
export function runCommand(program: Command, client: () => Client): void {
  program
    .command('run')
    .description('run an MLflow project (a folder or git repository with an MLproject file, or a script) and track it as a run')
    .argument('<uri>', 'project folder, file:// URL or git URL; #subdirectory selects a folder in it')
    .option('-e, --entry-point <name>', 'entry point of the MLproject file, or a script (.mjs, .js, .ts, .sh, .py)', 'main')
    .addOption(new Option('--project-version <ref>').hideHelp())
    .option('-P, --param-list <name=value>', 'a parameter of the entry point (repeatable)', collectParam, {})
    .option('--experiment-name <name>', 'experiment to log into, created if missing (default: MLFLOW_EXPERIMENT_NAME)')
    .option('--experiment-id <id>', 'experiment id to log into (default: MLFLOW_EXPERIMENT_ID, then 0)')
    .option('--run-name <name>', 'name of the run')
    .option('--run-id <id>', 'log into this existing run instead of creating one')
    .option(
      '-b, --backend <name>',
      'where to run: local, docker, or a backend a plugin provides (default: docker for docker_env projects, else local)',
    )
    .option('-c, --backend-config <json>', 'backend configuration: a .json file or inline JSON')
    .option('--env-manager <manager>', 'environment manager: local (the current environment)', 'local')
    .option('--storage-dir <dir>', 'folder for temporary clones (default: MLFLOW_TMP_DIR, then the OS temp folder)')
    .addHelpText('after', '\n  --version <ref>  git commit, branch or tag to run (the project must be a git repository)')
    .action(async (uri: string, opts: RunOptions & { paramList: Record<string, string>; projectVersion?: string }) => {
      const submitted = await runProject(uri, {
        entryPoint: opts.entryPoint,
        parameters: opts.paramList,
        synchronous: false,
        client: client(),
        ...(opts.projectVersion !== undefined ? { version: opts.projectVersion } : {}),
        ...(opts.experimentName !== undefined ? { experimentName: opts.experimentName } : {}),
        ...(opts.experimentId !== undefined ? { experimentId: opts.experimentId } : {}),
        ...(opts.runName !== undefined ? { runName: opts.runName } : {}),
        ...(opts.runId !== undefined ? { runId: opts.runId } : {}),
        ...(opts.backend !== undefined ? { backend: opts.backend } : {}),
        ...(opts.backendConfig !== undefined ? { backendConfig: opts.backendConfig } : {}),
        ...(opts.envManager !== undefined ? { envManager: opts.envManager } : {}),
        ...(opts.storageDir !== undefined ? { storageDir: opts.storageDir } : {}),
      });
      process.stderr.write(`labbook: run ${submitted.runId} started in experiment ${submitted.experimentId}\n`);
      // The command leads its own process group, so Ctrl-C reaches only us: stop it, record KILLED.
      let interrupted = false;
      const onSignal = () => {
        if (interrupted) return;
        interrupted = true;
        process.stderr.write(`labbook: stopping run ${submitted.runId}…\n`);
        void submitted.cancel();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await submitted.wait();
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const status = submitted.getStatus();
      process.stderr.write(
        `labbook: run ${submitted.runId} ${status}${submitted.exit?.exitCode ? ` (exit code ${submitted.exit.exitCode})` : ''}\n`,
      );
      if (status !== 'FINISHED') process.exitCode = status === 'KILLED' ? 130 : 1;
    });
}
