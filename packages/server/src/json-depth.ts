import { LabbookError } from '@labbook/core';

/** How deep a JSON body may nest; MLflow's messages nest a handful of levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * Refuses a body nested deeper than {@link MAX_JSON_DEPTH}, walking it without recursion: every
 * later step (checks, error messages, stores) may then recurse safely. A 5,000-level body used to
 * overflow the stack while its error message was built.
 */
export function refuseDeepNesting(body: object): void {
  const stack: [unknown, number][] = [[body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) {
      throw new LabbookError('INVALID_PARAMETER_VALUE', `Request body nests deeper than ${MAX_JSON_DEPTH} levels; MLflow's requests nest a few levels at most.`, {
        field: 'body',
        limit: MAX_JSON_DEPTH,
      });
    }
    for (const child of Object.values(value)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
}

