// Runs every benchmark in this folder one after another (they would disturb each other in
// parallel) and prints what each prints. `pnpm bench` builds first; `pnpm bench <name>` runs one.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench}`);
  const result = spawnSync(tsx, [join(here, bench)], { stdio: 'inherit', cwd: join(here, '..'), env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' } });
  if (result.status !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
