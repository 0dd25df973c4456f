// Shared by the artifact benchmarks: one 256 MB file and 1,000 files of 10 KB, timing, and the
// report line that puts labbook next to the raw SDK floor.
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIG_BYTES = 256 * 1024 * 1024;
export const SMALL_COUNT = 1000;
export const SMALL_BYTES = 10 * 1024;

export interface TransferFixture {
  work: string;
  big: string;
  smallDir: string;
  smallNames: string[];
  remove(): void;
}

export async function makeFixture(name: string): Promise<TransferFixture> {
  const work = mkdtempSync(join(tmpdir(), `labbook-bench-${name}-`));
  const big = join(work, 'big.bin');
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const out = createWriteStream(big);
  for (let i = 0; i < BIG_BYTES / chunk.length; i++) if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise((r) => out.end(r));
  const smallDir = join(work, 'small');
  mkdirSync(smallDir);
  const smallNames = Array.from({ length: SMALL_COUNT }, (_, i) => `f${i}.bin`);
  for (const [i, n] of smallNames.entries()) writeFileSync(join(smallDir, n), Buffer.alloc(SMALL_BYTES, i % 251));
  return { work, big, smallDir, smallNames, remove: () => rmSync(work, { recursive: true, force: true }) };
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/**
 * Times of each variant over `count` rounds, each list sorted; the variants' order rotates every
 * round so that none always goes first (a cold cache or a filling server would favour one). `after`
 * runs after each timing, untimed (clean-up between rounds).
 */
export async function alternatingRounds(
  count: number,
  variants: Record<string, (round: number) => Promise<unknown>>,
  after?: (name: string, round: number) => Promise<unknown>,
): Promise<Record<string, number[]>> {
  const names = Object.keys(variants);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < count; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      times[name]!.push(await timed(() => variants[name]!(round)));
      await after?.(name, round);
    }
  }
  for (const t of Object.values(times)) t.sort((a, b) => a - b);
  return times;
}

/** One line: labbook's throughput, the raw floor's, and labbook/raw (target ≥ 0.8). */
export function report(backend: string, what: string, bytes: number, files: number, labbookSeconds: number, rawSeconds: number): void {
  const mbps = (s: number) => (bytes / 1024 / 1024 / s).toFixed(0);
  const perFile = files > 1 ? ` (${(files / labbookSeconds).toFixed(0)} files/s vs ${(files / rawSeconds).toFixed(0)})` : '';
  console.log(
    `${backend} ${what}: labbook ${mbps(labbookSeconds)} MB/s, raw ${mbps(rawSeconds)} MB/s${perFile}, ratio ${(rawSeconds / labbookSeconds).toFixed(2)}x`,
  );
}
