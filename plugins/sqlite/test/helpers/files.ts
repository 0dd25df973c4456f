import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh folder for one test file's databases, and a remover for afterAll. */
export function tempFolder(): { dir: string; uri: (name: string, query?: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-sqlite-'));
  return {
    dir,
    uri: (name, query = '') => `sqlite:///${join(dir, name)}${query === '' ? '' : `?${query}`}`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
