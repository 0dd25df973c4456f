type Version = [number, number, number];

function parse(text: string): { v: Version; parts: number } | undefined {
  const m = /^v?(\d+|x|\*)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(text.trim());
  if (!m) return undefined;
  const nums = [m[1], m[2], m[3]].filter((x): x is string => x !== undefined && x !== 'x' && x !== '*');
  // `20.x` counts as `20`: wildcards and missing parts widen the range the same way.
  const parts = nums.length;
  return { v: [Number(nums[0] ?? 0), Number(nums[1] ?? 0), Number(nums[2] ?? 0)], parts };
}

function cmp(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i]! !== b[i]!) return a[i]! - b[i]!;
  return 0;
}

// The version just above a partial one: `20` → 21.0.0, `20.1` → 20.2.0.
function bump(v: Version, parts: number): Version {
  if (parts <= 1) return [v[0] + 1, 0, 0];
  if (parts === 2) return [v[0], v[1] + 1, 0];
  return [v[0], v[1], v[2] + 1];
}

// `^1.2.3` → <2.0.0, `^0.2.3` → <0.3.0, `^0.0.3` → <0.0.4 (the first non-zero part is fixed).
function caretUpper(v: Version, parts: number): Version {
  if (v[0] > 0 || parts === 1) return [v[0] + 1, 0, 0];
  if (v[1] > 0 || parts === 2) return [0, v[1] + 1, 0];
  return [0, 0, v[2] + 1];
}

function comparator(version: Version, token: string): boolean | undefined {
  const m = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(token)!;
  const op = m[1] ?? '';
  const p = parse(m[2]!);
  if (!p) return undefined;
  const { v, parts } = p;
  if (parts === 0) return true;
  switch (op) {
    case '>=':
      return cmp(version, v) >= 0;
    case '>':
      return parts < 3 ? cmp(version, bump(v, parts)) >= 0 : cmp(version, v) > 0;
    case '<=':
      return parts < 3 ? cmp(version, bump(v, parts)) < 0 : cmp(version, v) <= 0;
    case '<':
      return cmp(version, v) < 0;
    case '^':
      return cmp(version, v) >= 0 && cmp(version, caretUpper(v, parts)) < 0;
    case '~':
      return cmp(version, v) >= 0 && cmp(version, bump(v, Math.min(parts, 2))) < 0;
    default:
      return cmp(version, v) >= 0 && cmp(version, bump(v, parts)) < 0;
  }
}

/**
 * Whether a Node version (`v20.11.1`) satisfies an npm-style range: `>=20`, `^20.11 || 22`, `20.x`,
 * `>=18 <23`. Returns undefined for a range it cannot read, so the caller can say so.
 */
export function satisfiesNodeRange(version: string, range: string): boolean | undefined {
  const parsed = parse(version);
  if (!parsed) return undefined;
  let any = false;
  for (const alternative of range.split('||')) {
    const tokens = alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    let all = true;
    for (const token of tokens.length > 0 ? tokens : ['*']) {
      const ok = comparator(parsed.v, token);
      if (ok === undefined) return undefined;
      if (!ok) all = false;
    }
    if (all) any = true;
  }
  return any;
}
