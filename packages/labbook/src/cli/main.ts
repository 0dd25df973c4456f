import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { Client, LabbookError } from '@labbook/core';
import { artifactsCommand } from './artifacts.js';
import { experimentsCommand } from './experiments.js';
import { migrateCommand } from './migrate.js';
import { modelsCommand } from './models.js';
import { pluginsCommand } from './plugins.js';
import { renameRunVersionFlag, runCommand } from './run.js';
import { runsCommand } from './runs.js';
import { serverCommands } from './server.js';

/**
 * The version of the installed labbook package, read at run time so it can never drift from what npm
 * installed. Walks up because the CLI runs from dist/ when installed but from src/cli/ under tsx.
 */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)), i = 0; i < 4; dir = dirname(dir), i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'labbook' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json at this level (or not readable): keep looking further up.
    }
  }
  return 'unknown';
}

const program = new Command();
program
  .name('labbook')
  .description('Experiment tracking for TypeScript and Node, compatible with MLflow')
  .version(packageVersion(), '-v, --version', 'print the labbook version')
  .option('--tracking-uri <uri>', 'tracking store (default: LABBOOK_TRACKING_URI, MLFLOW_TRACKING_URI, then ./mlruns)')
  .showHelpAfterError();

let client: Client | undefined;
const getClient = () => {
  client ??= new Client({ ...(program.opts().trackingUri ? { trackingUri: program.opts().trackingUri as string } : {}) });
  return client;
};

experimentsCommand(program, getClient);
runsCommand(program, getClient);
artifactsCommand(program, getClient);
pluginsCommand(program);
modelsCommand(program, getClient);
runCommand(program, getClient);
serverCommands(program);
migrateCommand(program);

// With no command at all, the help is what was asked for, not an error: print it to stdout, exit 0.
if (process.argv.length <= 2) program.outputHelp();
else
  program.parseAsync(renameRunVersionFlag(process.argv)).then(
    () => client?.close(),
    (error: unknown) => {
      const message = LabbookError.is(error) ? `${error.code}: ${error.message}` : ((error as Error)?.message ?? String(error));
      process.stderr.write(`labbook: ${message}\n`);
      process.exitCode = 1;
      return client?.close();
    },
  );
