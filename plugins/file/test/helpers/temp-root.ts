import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The hand-built MLflow-written tree (never modified in place: tests copy it). */
export const FIXTURE = fileURLToPath(new URL('../fixtures/mlruns-mlflow', import.meta.url));

const made: string[] = [];

/** A fresh temp folder, removed by {@link removeTempRoots}. */
export function tempRoot(prefix = 'labbook-file-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A temp copy of the fixture tree; returns the copy's `mlruns` path. */
export function fixtureCopy(): string {
  const root = join(tempRoot(), 'mlruns');
  cpSync(FIXTURE, root, { recursive: true });
  return root;
}

export function removeTempRoots(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Collects warnings instead of printing them. */
export function warnings(): { list: string[]; onWarning: (m: string) => void } {
  const list: string[] = [];
  return { list, onWarning: (m) => list.push(m) };
}
