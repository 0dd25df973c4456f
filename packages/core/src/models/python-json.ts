/**
 * `JSON.stringify` with the separators and escaping of Python's `json.dumps` defaults (`", "`,
 * `": "`, non-ASCII as `\uXXXX`), so the JSON strings labbook puts inside MLmodel read the same as
 * the ones MLflow writes.
 */
export function pythonJsonDumps(value: unknown): string {
  const out = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'string')
      return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    if (Array.isArray(v)) return `[${v.map(out).join(', ')}]`;
    if (v instanceof Date) return out(v.toISOString());
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries.map(([k, x]) => `${out(k)}: ${out(x)}`).join(', ')}}`;
  };
  return out(value);
}
