import type { Command } from 'commander';
import { listPlugins } from '@labbook/core';
import { printRows } from './output.js';

/** `labbook plugins`: what is discovered, from which package, for which schemes. */
export function pluginsCommand(program: Command): void {
  program
    .command('plugins')
    .description('list the plugins labbook finds, where they come from and the URI schemes they provide')
    .option('--json', 'print JSON for scripts')
    .action((opts: { json?: boolean }) => {
      const plugins = listPlugins();
      printRows(
        plugins.map((p) => ({
          package: p.version ? `${p.name}@${p.version}` : p.name,
          source: p.source,
          tracking: p.tracking.join(', '),
          registry: p.registry.join(', '),
          artifacts: p.artifacts.join(', '),
          location: p.packageDir ?? '',
          error: p.loadError ?? '',
        })),
        ['package', 'source', 'tracking', 'registry', 'artifacts', 'location', 'error'],
        Boolean(opts.json),
        plugins,
      );
    });
}
