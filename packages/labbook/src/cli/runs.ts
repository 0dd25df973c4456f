import type { Command } from 'commander';
import type { Client, Run } from '@labbook/core';
import { formatTime, printObject, printRows } from './output.js';
import { viewTypeOption } from './view-type.js';

function duration(run: Run): string {
  const { startTime, endTime } = run.info;
  if (startTime === undefined || endTime === undefined) return '';
  return `${((endTime - startTime) / 1000).toFixed(1)}s`;
}

/** `labbook runs list|get|delete`. */
export function runsCommand(program: Command, client: () => Client): void {
  const runs = program.command('runs').description('list, show and delete runs');

  runs
    .command('list')
    .description('list the runs of one or more experiments')
    .requiredOption('-e, --experiment-id <ids>', 'experiment id(s), comma separated')
    .option('--filter <filter>', 'MLflow search filter, e.g. "metrics.rmse < 1 and params.alpha = \'0.5\'"')
    .option('--order-by <clauses...>', "order, e.g. 'metrics.rmse ASC'")
    .option('--max-results <n>', 'most runs to show', (v) => Number.parseInt(v, 10), 100)
    .option('--view <view>', 'active, deleted or all', 'active')
    .option('--json', 'print JSON for scripts')
    .action(
      async (opts: { experimentId: string; filter?: string; orderBy?: string[]; maxResults: number; view: string; json?: boolean }) => {
        const page = await client().searchRuns(
          opts.experimentId.split(',').map((s) => s.trim()),
          {
            viewType: viewTypeOption(opts.view),
            maxResults: opts.maxResults,
            ...(opts.filter ? { filter: opts.filter } : {}),
            ...(opts.orderBy ? { orderBy: opts.orderBy } : {}),
          },
        );
        printRows(
          page.items.map((r) => ({
            'run id': r.info.runId,
            name: r.info.runName,
            status: r.info.status,
            started: formatTime(r.info.startTime),
            duration: duration(r),
            metrics: r.data.metrics.map((m) => `${m.key}=${Number.isInteger(m.value) ? m.value : m.value.toPrecision(4)}`).join(' '),
          })),
          ['run id', 'name', 'status', 'started', 'duration', 'metrics'],
          Boolean(opts.json),
          { runs: page.items, next_page_token: page.nextPageToken },
        );
      },
    );

  runs
    .command('get')
    .description('show one run: info, params, latest metrics and tags')
    .argument('<run-id>')
    .option('--json', 'print JSON for scripts')
    .action(async (runId: string, opts: { json?: boolean }) => {
      const run = await client().getRun(runId);
      const entries: [string, unknown][] = [
        ['run id', run.info.runId],
        ['name', run.info.runName],
        ['experiment', run.info.experimentId],
        ['status', run.info.status],
        ['lifecycle', run.info.lifecycleStage],
        ['user', run.info.userId],
        ['started', formatTime(run.info.startTime)],
        ['ended', formatTime(run.info.endTime)],
        ['artifacts', run.info.artifactUri],
        ...run.data.params.map((p): [string, unknown] => [`param ${p.key}`, p.value]),
        ...run.data.metrics.map((m): [string, unknown] => [`metric ${m.key}`, `${m.value} (step ${m.step})`]),
        ...run.data.tags.map((t): [string, unknown] => [`tag ${t.key}`, t.value]),
      ];
      printObject(entries, Boolean(opts.json), run);
    });

  runs
    .command('delete')
    .description('mark a run deleted')
    .argument('<run-id>')
    .action(async (runId: string) => {
      await client().deleteRun(runId);
      process.stdout.write(`Run ${runId} deleted\n`);
    });
}
