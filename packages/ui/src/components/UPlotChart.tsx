/** A uPlot chart that follows its container's width and is rebuilt when its data or options change. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface UPlotChartProps {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height?: number;
  /** Called after each draw with the time it took (ms), for benchmarks and tests. */
  onDrawn?: (ms: number) => void;
  label: string;
}

/** Draws `data` with uPlot into a box that follows its container's width; rebuilt when inputs change. */
export function UPlotChart({ options, data, height = 260, onDrawn, label }: UPlotChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const started = performance.now();
    const plot = new uPlot({ ...options, width: Math.max(200, el.clientWidth), height }, data, el);
    el.dataset.drawn = 'true';
    onDrawn?.(performance.now() - started);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
      delete el.dataset.drawn;
    };
  }, [options, data, height]);
  return <div class="chart" ref={box} role="img" aria-label={label} />;
}
