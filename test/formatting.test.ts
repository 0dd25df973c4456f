// The formatter is on (biome.json): code reaches main formatted, so a diff shows what changed and
// never a re-wrap. Run `pnpm format` to fix what this test reports.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

it('every source file is as biome formats it', () => {
  const biome = join(root, 'node_modules', '.bin', 'biome');
  const result = spawnSync(biome, ['format', '--max-diagnostics=50', '.'], { cwd: root, encoding: 'utf8' });
  const unformatted = [...`${result.stdout}${result.stderr}`.matchAll(/^(\S+) format /gm)].map((m) => m[1]);
  expect(unformatted, 'run `pnpm format` and commit the result').toEqual([]);
  expect(result.status).toBe(0);
}, 60_000);
