// Every package's built output loads through both `import` and `require`, as users get it.
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const packages = ['packages', 'plugins']
  .flatMap((parent) => (existsSync(join(root, parent)) ? readdirSync(join(root, parent)).map((d) => join(root, parent, d)) : []))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => pkg.exports?.['.']?.import && pkg.exports?.['.']?.require);

describe.each(packages)('$pkg.name dist', ({ dir, pkg }) => {
  const entry = pkg.exports['.'];
  it('imports as ESM', async () => {
    const mod = await import(pathToFileURL(join(dir, entry.import.default)).href);
    expect(Object.keys(mod).length).toBeGreaterThan(0);
  });
  it('requires as CJS', () => {
    const require = createRequire(join(dir, 'package.json'));
    const mod = require(join(dir, entry.require.default));
    expect(Object.keys(mod).length).toBeGreaterThan(0);
  });
  it('ships declarations for both', () => {
    expect(existsSync(join(dir, entry.import.types))).toBe(true);
    expect(existsSync(join(dir, entry.require.types))).toBe(true);
  });
});
