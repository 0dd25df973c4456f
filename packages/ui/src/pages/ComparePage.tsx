/** Several runs side by side: overlaid metric charts, a param-vs-metric scatter, and a params table. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { api } from '../api/client';
import type { Run } from '../api/types';
import { differingParams, scatterColumns, scatterOf } from '../charts/scatter';
import { alignSeries, colorOf, runSeries } from '../charts/series';
import { AxisSelect } from '../components/AxisSelect';
import { ErrorBanner } from '../components/ErrorBanner';
import { axisOptions } from '../components/MetricChart';
import { UPlotChart } from '../components/UPlotChart';
import { formatMetric } from '../formatting';
import { hrefOf } from '../route';
import type { Theme } from '../theme';
import { useAsync } from '../use-async';

const COMPARE_BUCKETS = 1000;

function nameOf(r: Run): string {
  return r.info.run_name || r.info.run_id.slice(0, 8);
}

function OverlaidChart({ runs, metricKey, axis, theme }: { runs: Run[]; metricKey: string; axis: 'step' | 'timestamp'; theme: Theme }) {
  const histories = useAsync(
    () => Promise.all(runs.map((r) => api.downsampled(r.info.run_id, metricKey, axis, COMPARE_BUCKETS))),
    [runs, metricKey, axis],
  );
  const chart = useMemo(() => {
    if (!histories.value) return undefined;
    const aligned = alignSeries(histories.value.map(runSeries));
    const options: Omit<uPlot.Options, 'width' | 'height'> = {
      scales: { x: { time: axis === 'timestamp' } },
      axes: [axisOptions(theme), axisOptions(theme)],
      series: [{ label: axis }, ...runs.map((r, i) => ({ label: nameOf(r), stroke: colorOf(i), width: 1.5, spanGaps: true }))],
    };
    return { options, data: [aligned.x, ...aligned.lines] as uPlot.AlignedData };
  }, [histories.value, theme]);
  return (
    <figure class="metric-chart" data-metric={metricKey}>
      <figcaption>
        <strong>{metricKey}</strong>
      </figcaption>
      {histories.error !== undefined && <ErrorBanner error={histories.error} />}
      {chart ? (
        <UPlotChart label={`${metricKey} of ${runs.length} runs`} options={chart.options} data={chart.data} />
      ) : (
        <div class="chart placeholder">Loading…</div>
      )}
    </figure>
  );
}

function Scatter({ runs, theme }: { runs: Run[]; theme: Theme }) {
  const params = useMemo(() => [...new Set(runs.flatMap((r) => (r.data.params ?? []).map((p) => p.key)))].sort(), [runs]);
  const metrics = useMemo(() => [...new Set(runs.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key)))].sort(), [runs]);
  const [param, setParam] = useState<string | undefined>();
  const [metric, setMetric] = useState<string | undefined>();
  // Start with a param that differs between the runs: a constant one plots a single column.
  const x = param ?? [...differingParams(runs)].sort()[0] ?? params[0];
  const y = metric ?? metrics[0];
  const chart = useMemo(() => {
    if (!x || !y) return undefined;
    const s = scatterOf(runs, x, y);
    const axis = axisOptions(theme);
    const { runs: shownRuns, columns } = scatterColumns(s);
    const options: Omit<uPlot.Options, 'width' | 'height'> = {
      mode: 1,
      scales: { x: { time: false } },
      axes: [
        s.categories ? { ...axis, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? (s.categories?.[t] ?? '') : '')) } : axis,
        axis,
      ],
      series: [
        { label: x, value: (_u, v) => (v === null || v === undefined ? '--' : String(s.categories?.[v] ?? v)) },
        // One series per run, points only, in the run's colour (as in the table and the charts).
        ...shownRuns.map((i) => ({
          label: runs[i] ? nameOf(runs[i]) : String(i),
          stroke: colorOf(i),
          paths: () => null,
          points: { show: true, size: 9, fill: colorOf(i) },
        })),
      ],
    };
    return { options, data: [s.x, ...columns] as uPlot.AlignedData, points: s.x.length };
  }, [runs, x, y, theme]);
  if (params.length === 0 || metrics.length === 0)
    return <p class="muted">The runs need at least one param and one metric for a scatter plot.</p>;
  return (
    <figure class="metric-chart scatter">
      <figcaption class="toolbar">
        <label>
          Param{' '}
          <select aria-label="Scatter param" value={x} onChange={(e) => setParam(e.currentTarget.value)}>
            {params.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Metric{' '}
          <select aria-label="Scatter metric" value={y} onChange={(e) => setMetric(e.currentTarget.value)}>
            {metrics.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        {chart && <span class="muted">{chart.points} runs with both</span>}
      </figcaption>
      {chart && <UPlotChart label={`${y} against ${x}`} options={chart.options} data={chart.data} />}
    </figure>
  );
}

/** The comparison of the runs in `#/compare?runs=a,b,…`. */
export function ComparePage({ runIds, theme }: { runIds: string[]; theme: Theme }) {
  const runs = useAsync(() => Promise.all(runIds.map((id) => api.getRun(id))), [runIds.join(',')]);
  const [axis, setAxis] = useState<'step' | 'timestamp'>('step');
  const list = runs.value ?? [];
  const metricKeys = useMemo(() => [...new Set(list.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key)))].sort(), [list]);
  const paramKeys = useMemo(() => [...new Set(list.flatMap((r) => (r.data.params ?? []).map((p) => p.key)))].sort(), [list]);
  const differ = useMemo(() => differingParams(list), [list]);
  const [onlyDiff, setOnlyDiff] = useState(false);
  useEffect(() => setOnlyDiff(false), [runIds.join(',')]);
  if (runIds.length === 0) return <p class="muted">Select runs in an experiment's table and press Compare.</p>;
  if (runs.error !== undefined) return <ErrorBanner error={runs.error} />;
  if (!runs.value) return <p class="muted">Loading…</p>;
  return (
    <section class="page compare-page">
      <header class="page-head">
        <h1>Compare {list.length} runs</h1>
      </header>
      <h2>Parameters</h2>
      <label class="check">
        <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.currentTarget.checked)} /> Only params that differ (
        {differ.size})
      </label>
      <div class="scroll-x">
        <table class="grid compare-table" aria-label="Parameters of the compared runs">
          <thead>
            <tr>
              <th>Param</th>
              {list.map((r, i) => (
                <th key={r.info.run_id}>
                  <span class="swatch" style={{ background: colorOf(i) }} />{' '}
                  <a href={hrefOf({ page: 'run', runId: r.info.run_id })}>{nameOf(r)}</a>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {paramKeys
              .filter((k) => !onlyDiff || differ.has(k))
              .map((k) => (
                <tr key={k} class={differ.has(k) ? 'differs' : undefined}>
                  <th scope="row" class="mono">
                    {k}
                  </th>
                  {list.map((r) => (
                    <td key={r.info.run_id} class="mono">
                      {r.data.params?.find((p) => p.key === k)?.value ?? '—'}
                    </td>
                  ))}
                </tr>
              ))}
            {metricKeys.map((k) => (
              <tr key={`m:${k}`}>
                <th scope="row" class="mono">
                  {k} <span class="muted">(latest)</span>
                </th>
                {list.map((r) => (
                  <td key={r.info.run_id} class="num">
                    {formatMetric(r.data.metrics?.find((m) => m.key === k)?.value) || '—'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Param against metric</h2>
      <Scatter runs={list} theme={theme} />
      <h2>Metrics</h2>
      <AxisSelect axis={axis} onChange={setAxis} />
      <div class="chart-grid">
        {metricKeys.map((k) => (
          <OverlaidChart key={k} runs={list} metricKey={k} axis={axis} theme={theme} />
        ))}
      </div>
    </section>
  );
}
