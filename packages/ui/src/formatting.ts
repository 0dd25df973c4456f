/** How values read in tables and headers. */
import type { WireNumber } from './api/types';

/** A wire number (which may be "NaN"/"Infinity") as a JS number. */
export function toNumber(v: WireNumber | undefined): number {
  if (typeof v === 'number') return v;
  if (v === undefined) return Number.NaN;
  if (v === 'Infinity' || v === '+Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(v);
}

/** A metric value, short: 4 significant digits, exponent for very large or small magnitudes. */
export function formatMetric(v: WireNumber | undefined): string {
  const n = toNumber(v);
  if (Number.isNaN(n)) return v === undefined ? '' : 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1e6 || abs < 1e-4) return n.toExponential(3);
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)));
}

/** A time in ms since the epoch, as local date and time. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || ms === null) return '';
  const d = new Date(Number(ms));
  const pad = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration between two times in ms. */
export function formatDuration(start: number | undefined, end: number | undefined): string {
  if (start === undefined || end === undefined) return '';
  let s = Math.max(0, Math.round((Number(end) - Number(start)) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  s %= 60;
  if (m < 60) return `${m}m ${s}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** A byte count. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
