/** Turning downsampled histories into the column arrays uPlot draws. */
import type { DownsampledHistory } from '../api/types';
import { toNumber } from '../formatting';

/** One run's columns: x, the line (bucket's last value) and the band (min, max). Gaps are null. */
export interface RunSeries {
  x: number[];
  line: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/**
 * Columns for one run. Timestamps become seconds, as uPlot's time axes expect; NaN and infinite values
 * become gaps (they cannot be placed on a linear axis).
 */
export function runSeries(d: DownsampledHistory): RunSeries {
  const scale = d.x_axis === 'timestamp' ? 1 / 1000 : 1;
  return {
    x: d.x.map((v) => v * scale),
    line: d.last.map((v) => finiteOrNull(toNumber(v))),
    min: d.min.map((v) => finiteOrNull(toNumber(v))),
    max: d.max.map((v) => finiteOrNull(toNumber(v))),
  };
}

/**
 * Aligns several runs' lines on one sorted x column (uPlot shares x between series); a run without a
 * point at some x gets null there, and the chart joins across it.
 */
export function alignSeries(runs: RunSeries[]): { x: number[]; lines: (number | null)[][] } {
  const xs = new Set<number>();
  for (const r of runs) for (const x of r.x) xs.add(x);
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map<number, number>();
  for (let i = 0; i < x.length; i++) index.set(x[i] as number, i);
  const lines = runs.map((r) => {
    const col: (number | null)[] = new Array(x.length).fill(null);
    r.x.forEach((v, i) => {
      col[index.get(v) as number] = r.line[i] ?? null;
    });
    return col;
  });
  return { x, lines };
}

/** A palette that reads on dark and light backgrounds, cycled by run. */
export const PALETTE = ['#3b82f6', '#ef4444', '#10b981', '#f59e0b', '#8b5cf6', '#ec4899', '#14b8a6', '#f97316', '#6366f1', '#84cc16'];

/** The colour of the n-th series. */
export function colorOf(n: number): string {
  return PALETTE[n % PALETTE.length] as string;
}
