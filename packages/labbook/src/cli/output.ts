import Table from 'cli-table3';

/** Prints rows as a table for people, or as JSON for scripts. */
export function printRows(rows: Record<string, unknown>[], columns: string[], json: boolean, raw: unknown = rows): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(raw, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const table = new Table({ head: columns, style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map((c) => formatCell(row[c])));
  process.stdout.write(`${table.toString()}\n`);
}

/** Prints one object as key/value lines, or as JSON. */
export function printObject(entries: [string, unknown][], json: boolean, raw: unknown): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(raw, null, 2)}\n`);
    return;
  }
  const width = Math.max(...entries.map(([k]) => k.length));
  for (const [k, v] of entries) process.stdout.write(`${k.padEnd(width)}  ${formatCell(v)}\n`);
}

/** Dates as ISO strings, missing values as empty. */
export function formatCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return String(value);
}

/** Milliseconds since the epoch as a readable UTC time. */
export function formatTime(ms: number | undefined): string {
  return ms === undefined
    ? ''
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Bytes in decimal units (as disks and networks count them), three significant digits. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0
    ? `${Math.round(value)} B`
    : `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ${UNITS[unit]}`;
}
