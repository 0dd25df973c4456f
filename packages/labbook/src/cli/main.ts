import { Command } from 'commander';
import { Client, LabbookError } from '@labbook/core';
import { artifactsCommand } from './artifacts.js';
import { experimentsCommand } from './experiments.js';
import { pluginsCommand } from './plugins.js';
import { runsCommand } from './runs.js';
import { serverCommands } from './server.js';

const program = new Command();
program
  .name('labbook')
  .description('Experiment tracking for TypeScript and Node, compatible with MLflow')
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
serverCommands(program);

program.parseAsync(process.argv).then(
  () => client?.close(),
  (error: unknown) => {
    const message = LabbookError.is(error) ? `${error.code}: ${error.message}` : (error as Error)?.message ?? String(error);
    process.stderr.write(`labbook: ${message}\n`);
    process.exitCode = 1;
    return client?.close();
  },
);
