/** A param against a metric across runs: numeric params on a linear axis, others as categories. */
import type { Run } from '../api/types';
import { toNumber } from '../formatting';

export interface ScatterData {
  /** Sorted x positions (uPlot needs ascending x). */
  x: number[];
  y: (number | null)[];
  /** Labels of categorical x positions; undefined when the param is numeric (the key is always present). */
  categories: string[] | undefined;
  runNames: string[];
  /** Index in the given runs of the run behind each point (for its colour). */
  runIndex: number[];
}

/** Builds the points for `param` (x) and `metric` (y); runs missing either are left out. */
export function scatterOf(runs: Run[], param: string, metric: string): ScatterData {
  const points: { raw: string; y: number; name: string; index: number }[] = [];
  for (const [index, r] of runs.entries()) {
    const p = r.data.params?.find((x) => x.key === param);
    const m = r.data.metrics?.find((x) => x.key === metric);
    if (!p || !m) continue;
    const y = toNumber(m.value);
    if (!Number.isFinite(y)) continue;
    points.push({ raw: p.value, y, name: r.info.run_name || r.info.run_id, index });
  }
  const numeric = points.length > 0 && points.every((p) => p.raw.trim() !== '' && Number.isFinite(Number(p.raw)));
  let categories: string[] | undefined;
  let xOf: (raw: string) => number;
  if (numeric) xOf = Number;
  else {
    categories = [...new Set(points.map((p) => p.raw))].sort();
    const index = new Map(categories.map((c, i) => [c, i]));
    xOf = (raw) => index.get(raw) as number;
  }
  const sorted = points.map((p) => ({ ...p, x: xOf(p.raw) })).sort((a, b) => a.x - b.x);
  return {
    x: sorted.map((p) => p.x),
    y: sorted.map((p) => p.y),
    categories,
    runNames: sorted.map((p) => p.name),
    runIndex: sorted.map((p) => p.index),
  };
}

/** Param keys whose values are not the same in every run (a missing param counts as a value). */
export function differingParams(runs: Run[]): Set<string> {
  const keys = new Set(runs.flatMap((r) => (r.data.params ?? []).map((p) => p.key)));
  const differ = new Set<string>();
  for (const key of keys) {
    const values = new Set(runs.map((r) => r.data.params?.find((p) => p.key === key)?.value));
    if (values.size > 1) differ.add(key);
  }
  return differ;
}

/**
 * The scatter as uPlot columns with one series per run (so each run keeps its colour and its name in
 * the legend): a run's column holds its y at its own point and null everywhere else.
 */
export function scatterColumns(s: ScatterData): { runs: number[]; columns: (number | null)[][] } {
  const runs = [...new Set(s.runIndex)].sort((a, b) => a - b);
  const columns = runs.map((run) => s.y.map((y, i) => (s.runIndex[i] === run ? y : null)));
  return { runs, columns };
}
