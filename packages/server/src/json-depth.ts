import { LabbookError } from '@labbook/core';

/** How deep a JSON body may nest; MLflow's messages nest a handful of levels. */
export const MAX_JSON_DEPTH = 64;

function tooDeep(): LabbookError {
  return new LabbookError(
    'INVALID_PARAMETER_VALUE',
    `Request body nests deeper than ${MAX_JSON_DEPTH} levels; MLflow's requests nest a few levels at most.`,
    {
      field: 'body',
      limit: MAX_JSON_DEPTH,
    },
  );
}

function walk(value: object, depth: number): void {
  if (depth > MAX_JSON_DEPTH) throw tooDeep();
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) {
      const child: unknown = value[k];
      if (child !== null && typeof child === 'object') walk(child, depth + 1);
    }
    return;
  }
  for (const key in value) {
    const child: unknown = (value as Record<string, unknown>)[key];
    if (child !== null && typeof child === 'object') walk(child, depth + 1);
  }
}

/**
 * Refuses a body nested deeper than {@link MAX_JSON_DEPTH}: every later step (checks, error
 * messages, stores) may then recurse safely. A 5,000-level body used to overflow the stack while its
 * error message was built. The walk recurses, but stops at MAX_JSON_DEPTH + 1 frames whatever the
 * body nests, and allocates nothing per value (it runs on every request body).
 */
export function refuseDeepNesting(body: object): void {
  walk(body, 1);
}
