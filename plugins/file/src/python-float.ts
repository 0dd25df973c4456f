/**
 * Python's `str(float)` and `float(str)` for metric values, so that metric files written by labbook are
 * byte-identical to MLflow's (`1.0`, `1e-05`, `nan`, `inf`) and MLflow's files read back exactly.
 */

/** Formats a number as Python's `repr(float)` does (shortest round-trip digits). */
export function formatPythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument yields the shortest digits that round-trip, as Python's repr.
  const exp = value.toExponential();
  const negative = exp.charCodeAt(0) === 45;
  const body = negative ? exp.slice(1) : exp;
  const e = body.indexOf('e');
  const mantissa = body.slice(0, e);
  const exponent = Number(body.slice(e + 1));
  const digits = mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa;
  const decpt = exponent + 1;
  let out: string;
  if (decpt <= -4 || decpt > 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const absExp = Math.abs(exponent);
    out = `${m}e${exponent < 0 ? '-' : '+'}${absExp < 10 ? `0${absExp}` : absExp}`;
  } else if (decpt <= 0) {
    out = `0.${'0'.repeat(-decpt)}${digits}`;
  } else if (decpt >= digits.length) {
    out = `${digits}${'0'.repeat(decpt - digits.length)}.0`;
  } else {
    out = `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  return negative ? `-${out}` : out;
}

/** Parses a float as Python's `float()` does for the texts MLflow writes (`nan`, `inf`, `-inf`, `1e-05`). */
export function parsePythonFloat(text: string): number {
  const n = Number(text);
  if (!Number.isNaN(n) || text === 'NaN') return n;
  const t = text.trim().toLowerCase();
  if (t === 'nan' || t === '+nan' || t === '-nan') return Number.NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Number.POSITIVE_INFINITY;
  if (t === '-inf' || t === '-infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}
