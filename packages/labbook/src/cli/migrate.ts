import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ENTITY_NAMES, type MigrateProgress, invalidParameter, migrate, resolveRegistryStore, resolveTrackingStore } from '@labbook/core';
import { printRows } from './output.js';

interface MigrateFlags {
  from: string;
  to: string;
  registryFrom?: string;
  registryTo?: string;
  copyArtifacts?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** One line for people: entities done so far, against totals where known. */
export function migrateProgressLine(p: MigrateProgress): string {
  const of = (k: 'experiments' | 'runs') => (p.totals[k] !== undefined ? `${p.done[k]}/${p.totals[k]}` : `${p.done[k]}`);
  const parts = [`migrate ${p.phase}`, `${of('experiments')} experiments`, `${of('runs')} runs`, `${p.done.metricPoints} points`];
  if (p.done.loggedModels > 0) parts.push(`${p.done.loggedModels} logged models`);
  if (p.done.artifactFiles > 0) parts.push(`${p.done.artifactFiles} files`);
  if (p.done.versions > 0) parts.push(`${p.done.versions} versions`);
  return parts.join(' | ');
}

/** A progress line on stderr, redrawn in place on a terminal; nothing elsewhere (logs get the table). */
function progressLine(stream: NodeJS.WriteStream = process.stderr) {
  if (!stream.isTTY) return { update: (_: MigrateProgress) => {}, stop: () => {} };
  let last: MigrateProgress | undefined;
  const bar = new cliProgress.SingleBar({
    stream,
    format: () => (last ? migrateProgressLine(last) : 'migrate'),
    hideCursor: true,
    gracefulExit: true,
    linewrap: false,
  });
  let shown = false;
  return {
    update(p: MigrateProgress) {
      last = p;
      if (shown) bar.update(0);
      else {
        bar.start(1, 0);
        shown = true;
      }
    },
    stop() {
      if (shown) bar.stop();
    },
  };
}

/** `labbook migrate --from URI --to URI`: copies a tracking store (and registry) into another. */
export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('copy experiments, runs, logged models and the registry from one store to another (any pair of backends)')
    .requiredOption('--from <uri>', 'source tracking URI')
    .requiredOption('--to <uri>', 'target tracking URI')
    .option('--registry-from <uri>', 'source registry URI (default: the source tracking URI)')
    .option('--registry-to <uri>', 'target registry URI (default: the target tracking URI)')
    .option('--copy-artifacts', "copy artifact files to the target's artifact root (default: keep them where they are)")
    .option('--dry-run', 'read everything, write nothing, and report what would be written')
    .option('--json', 'print the report as JSON')
    .action(async (flags: MigrateFlags) => {
      if (flags.from === flags.to) {
        throw invalidParameter(`--from and --to name the same store (${flags.from}); give another target.`, { field: 'to' });
      }
      const source = await resolveTrackingStore(flags.from);
      const target = await resolveTrackingStore(flags.to);
      const sourceRegistry = await resolveRegistryStore(flags.registryFrom ?? flags.from);
      const targetRegistry = await resolveRegistryStore(flags.registryTo ?? flags.to);
      const line = progressLine();
      try {
        const report = await migrate({
          source,
          target,
          sourceRegistry,
          targetRegistry,
          artifacts: flags.copyArtifacts ? 'copy' : 'keep',
          dryRun: flags.dryRun === true,
          onProgress: line.update,
          targetName: flags.to,
          sourceArtifactOptions: { trackingUri: flags.from },
          targetArtifactOptions: { trackingUri: flags.to },
        });
        line.stop();
        const rows = ENTITY_NAMES.map((entity) => ({
          entity,
          source: report.source[entity],
          target: report.dryRun ? '' : report.target[entity],
          [report.dryRun ? 'would write' : 'written']: report.written[entity],
          skipped: report.skipped[entity],
        }));
        const raw = { ...report, runIds: Object.fromEntries(report.runIds), experimentIds: Object.fromEntries(report.experimentIds) };
        printRows(rows, ['entity', 'source', 'target', report.dryRun ? 'would write' : 'written', 'skipped'], flags.json === true, raw);
        if (!flags.json) {
          for (const note of report.notes) process.stderr.write(`labbook: note: ${note}\n`);
          process.stdout.write(
            report.dryRun ? 'Dry run: nothing was written.\n' : `Migrated ${flags.from} to ${flags.to}; counts verified.\n`,
          );
        }
      } finally {
        line.stop();
        await Promise.allSettled([source.close(), target.close(), sourceRegistry.close(), targetRegistry.close()]);
      }
    });
}
