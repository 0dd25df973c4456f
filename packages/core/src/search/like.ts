const cache = new Map<string, RegExp>();

/**
 * SQL LIKE as a regular expression: `%` is any sequence, `_` one character, everything else
 * literal. Case-sensitive for LIKE, insensitive for ILIKE, as on every MLflow backend.
 */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const cacheKey = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let re = cache.get(cacheKey);
  if (!re) {
    let source = '';
    for (const ch of pattern) {
      if (ch === '%') source += '[\\s\\S]*';
      else if (ch === '_') source += '[\\s\\S]';
      else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    re = new RegExp(`^${source}$`, caseInsensitive ? 'iu' : 'u');
    if (cache.size > 1000) cache.clear();
    cache.set(cacheKey, re);
  }
  return re;
}
