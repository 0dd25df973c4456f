/** The x-axis choice of metric charts: by step or by time. */
export type ChartAxis = 'step' | 'timestamp';

/** The x-axis picker shared by the run and compare pages. */
export function AxisSelect({ axis, onChange }: { axis: ChartAxis; onChange: (axis: ChartAxis) => void }) {
  return (
    <div class="toolbar">
      <label>
        X axis{' '}
        <select aria-label="X axis" value={axis} onChange={(e) => onChange(e.currentTarget.value as ChartAxis)}>
          <option value="step">Step</option>
          <option value="timestamp">Time</option>
        </select>
      </label>
    </div>
  );
}
