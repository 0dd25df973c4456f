/**
 * One metric of one run: the server buckets the history (min/max per bucket), so a million points
 * arrive as a few thousand numbers; the chart draws the bucket's last value as the line and min..max as
 * a band, which keeps spikes visible.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { api } from '../api/client';
import type { DownsampledHistory } from '../api/types';
import { colorOf, runSeries } from '../charts/series';
import { type Theme, cssVar } from '../theme';
import { ErrorBanner } from './ErrorBanner';
import { UPlotChart } from './UPlotChart';

/** Buckets asked of the server: about one per horizontal pixel of a wide chart. */
export const CHART_BUCKETS = 1500;

/**
 * Axis colours from the current theme's CSS variables. `theme` is unused in the body but callers pass it
 * so memoised options are rebuilt when the theme changes.
 */
export function axisOptions(theme: Theme): uPlot.Axis {
  void theme;
  const fg = cssVar('--muted');
  const grid = cssVar('--grid');
  return { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
}

/** The chart of one metric of one run, by step or by time, from the server's downsampled history. */
export function MetricChart(props: {
  runId: string;
  metricKey: string;
  axis: 'step' | 'timestamp';
  theme: Theme;
  color?: number;
  refresh?: number;
}) {
  const { runId, metricKey, axis, theme, refresh = 0 } = props;
  const [data, setData] = useState<DownsampledHistory | undefined>();
  const [error, setError] = useState<unknown>();
  const [started, setStarted] = useState(0);
  const [totalMs, setTotalMs] = useState<number | undefined>();
  const [drawMs, setDrawMs] = useState<number | undefined>();
  const shown = useRef('');
  useEffect(() => {
    let live = true;
    // Another metric or axis starts from a placeholder; a refresh of the same one keeps the chart
    // on screen until the new history arrives.
    const identity = `${runId}\n${metricKey}\n${axis}`;
    if (shown.current !== identity) {
      shown.current = identity;
      setData(undefined);
      setTotalMs(undefined);
      setStarted(performance.now());
    }
    setError(undefined);
    api.downsampled(runId, metricKey, axis, CHART_BUCKETS).then(
      (d) => live && setData(d),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [runId, metricKey, axis, refresh]);

  const color = colorOf(props.color ?? 0);
  const chart = useMemo(() => {
    if (!data) return undefined;
    const s = runSeries(data);
    const line: uPlot.Series = { label: metricKey, stroke: color, width: 1.5, points: { show: s.x.length < 60 } };
    const base: Omit<uPlot.Options, 'width' | 'height' | 'series'> = {
      scales: { x: { time: axis === 'timestamp' } },
      axes: [axisOptions(theme), axisOptions(theme)],
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
    };
    // Every point arrived (min = max = last): a band would be empty and its legend noise.
    if (data.total_points <= data.x.length) {
      return { options: { ...base, series: [{ label: axis }, line] }, data: [s.x, s.line] as uPlot.AlignedData };
    }
    const options: Omit<uPlot.Options, 'width' | 'height'> = {
      ...base,
      series: [
        { label: axis },
        // The band's edges are drawn too: a spike is one bucket wide, a pixel or two, and a fill alone
        // at that width is too faint to see.
        { label: 'bucket min', stroke: `${color}66`, width: 1, points: { show: false } },
        { label: 'bucket max', stroke: `${color}66`, width: 1, points: { show: false } },
        line,
      ],
      bands: [{ series: [2, 1], fill: `${color}40` }],
    };
    return { options, data: [s.x, s.min, s.max, s.line] as uPlot.AlignedData };
  }, [data, theme, color, axis, metricKey]);

  return (
    <figure
      class="metric-chart"
      data-metric={metricKey}
      data-total-ms={totalMs === undefined ? undefined : totalMs.toFixed(1)}
      data-draw-ms={drawMs === undefined ? undefined : drawMs.toFixed(1)}
    >
      <figcaption>
        <strong>{metricKey}</strong>
        {data && (
          <span class="muted">
            {' '}
            {data.total_points.toLocaleString()} {data.total_points === 1 ? 'point' : 'points'}
            {data.total_points > data.x.length ? `, shown as ${data.x.length.toLocaleString()} min/max buckets` : ''}
          </span>
        )}
      </figcaption>
      {error !== undefined && <ErrorBanner error={error} />}
      {!data && error === undefined && <div class="chart placeholder">Loading…</div>}
      {chart && (
        <UPlotChart
          label={`Chart of ${metricKey} by ${axis}`}
          options={chart.options}
          data={chart.data}
          onDrawn={(ms) => {
            setDrawMs(ms);
            // Request to drawn, for the first draw of this metric (refreshes keep the figure).
            setTotalMs((t) => t ?? performance.now() - started);
          }}
        />
      )}
    </figure>
  );
}
