import type { Command } from 'commander';
import type { Client, ViewType } from '@labbook/core';
import { formatTime, printRows } from './output.js';
import { viewTypeOption } from './view-type.js';

/** `labbook experiments list|create|delete|restore`. */
export function experimentsCommand(program: Command, client: () => Client): void {
  const experiments = program.command('experiments').description('list, create, delete and restore experiments');

  experiments
    .command('list')
    .description('list experiments')
    .option('--view <view>', 'active, deleted or all', 'active')
    .option('--filter <filter>', 'MLflow search filter, e.g. "name LIKE \'prod-%\'"')
    .option('--max-results <n>', 'page size', (v) => Number.parseInt(v, 10))
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { view: string; filter?: string; maxResults?: number; json?: boolean }) => {
      const viewType: ViewType = viewTypeOption(opts.view);
      const items = [];
      let pageToken: string | undefined;
      do {
        const page = await client().searchExperiments({
          viewType,
          ...(opts.filter ? { filter: opts.filter } : {}),
          ...(opts.maxResults ? { maxResults: opts.maxResults } : {}),
          ...(pageToken ? { pageToken } : {}),
        });
        items.push(...page.items);
        pageToken = opts.maxResults ? undefined : page.nextPageToken;
      } while (pageToken);
      printRows(
        items.map((e) => ({
          id: e.experimentId,
          name: e.name,
          stage: e.lifecycleStage,
          created: formatTime(e.creationTime),
          'artifact location': e.artifactLocation,
        })),
        ['id', 'name', 'stage', 'created', 'artifact location'],
        Boolean(opts.json),
        items,
      );
    });

  experiments
    .command('create')
    .description('create an experiment and print its id')
    .argument('<name>', 'experiment name')
    .option('--artifact-location <uri>', 'where its runs store artifacts')
    .option('--json', 'print JSON for scripts')
    .action(async (name: string, opts: { artifactLocation?: string; json?: boolean }) => {
      const id = await client().createExperiment(name, opts.artifactLocation ? { artifactLocation: opts.artifactLocation } : {});
      process.stdout.write(opts.json ? `${JSON.stringify({ experiment_id: id })}\n` : `Created experiment '${name}' with id ${id}\n`);
    });

  experiments
    .command('delete')
    .description('mark an experiment and its runs deleted')
    .argument('<experiment-id>')
    .action(async (id: string) => {
      await client().deleteExperiment(id);
      process.stdout.write(`Experiment ${id} deleted\n`);
    });

  experiments
    .command('restore')
    .description('restore a deleted experiment and its runs')
    .argument('<experiment-id>')
    .action(async (id: string) => {
      await client().restoreExperiment(id);
      process.stdout.write(`Experiment ${id} restored\n`);
    });
}
