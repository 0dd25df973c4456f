import { invalidParameter } from '../errors.js';
import { LIMITS } from './limits.js';

// Letters, digits and underscore (Unicode \w), `/`, `.`, `-`, space and `:` (MLflow's POSIX rule).
const KEY_CHARS = /^[\p{L}\p{N}\p{M}\p{Pc}/.\- :]*$/u;

/** posixpath.normpath for the subset of paths a key can be (no leading `/`, already char-checked). */
function normpath(key: string): string {
  const parts: string[] = [];
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(segment);
  }
  return parts.join('/') || '.';
}

/**
 * Checks a metric, param or tag key: present, at most 250 characters, only letters, digits, `_`, `/`,
 * `.`, `-`, space and `:`, and "path-unique" (its normalised path is itself, so a key can never name
 * a file outside a run's folder: no `a//b`, `./a`, `a/`, `/a`, `..`).
 *
 * @param kind - `metric`, `param`, `tag`… (used in messages)
 * @param field - the JSON path of the key in the request (`metrics[3].key`)
 */
export function validateKey(key: unknown, kind: string, field: string): asserts key is string {
  if (key === undefined || key === null || key === '') {
    throw invalidParameter(`Missing value for required parameter '${field}'.`, { field });
  }
  if (typeof key !== 'string') {
    throw invalidParameter(`Invalid value for parameter '${field}': the ${kind} key must be a string.`, { field });
  }
  if (key.length > LIMITS.entityKeyLength) {
    throw invalidParameter(
      `${capitalize(kind)} key '${key.slice(0, 40)}...' had length ${key.length}, which exceeded length limit of ${LIMITS.entityKeyLength} (field '${field}').`,
      { field, limit: LIMITS.entityKeyLength },
    );
  }
  if (!KEY_CHARS.test(key)) {
    throw invalidParameter(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/) (field '${field}').`,
      { field },
    );
  }
  if (key.startsWith('/') || key.startsWith('..') || normpath(key) !== key || key === '.') {
    throw invalidParameter(
      `Invalid ${kind} name: '${key}'. Names cannot resolve to a different path when normalized (no leading or trailing '/', '//', '.' or '..' segments) (field '${field}').`,
      { field },
    );
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
