/**
 * Which artifacts are Vega / Vega-Lite figures, decided from their name and content without loading
 * Vega: this module is in the main chunk, the renderer (`./render`) is not.
 */

/** A figure's spec and the grammar it is written in. */
export interface FigureSpec {
  grammar: 'vega-lite' | 'vega';
  spec: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The grammar a `$schema` URL names (`…/vega-lite/v5.json`, `…/vega/v5.json`), if either. */
function grammarOfSchema(schema: unknown): FigureSpec['grammar'] | undefined {
  if (typeof schema !== 'string') return undefined;
  // The same test `logFigure` applies to what it accepts.
  if (schema.includes('vega-lite')) return 'vega-lite';
  if (/\/vega(@[^/]*)?\/v\d/.test(schema)) return 'vega';
  return undefined;
}

/**
 * A JSON artifact is a figure when its `$schema` names Vega-Lite or Vega. The `.vl.json` / `.vg.json`
 * names (Vega's own convention for spec files) are figures without one. Any other JSON, even with a
 * `mark` key, stays JSON: a config that happens to have such a key must not turn into an empty chart.
 */
export function figureOfJson(path: string, value: unknown): FigureSpec | undefined {
  if (!isObject(value)) return undefined;
  const name = path.toLowerCase();
  const grammar =
    grammarOfSchema(value.$schema) ?? (name.endsWith('.vl.json') ? 'vega-lite' : name.endsWith('.vg.json') ? 'vega' : undefined);
  return grammar ? { grammar, spec: value } : undefined;
}

/**
 * The page `logFigure(spec, 'x.html')` writes calls `vegaEmbed('#vis', <spec JSON>)`; its JSON has every
 * `<` escaped, so it cannot hold `</script>` and the first `)</script>` after it ends it.
 */
const EMBED_CALL = /vegaEmbed\(\s*(['"])[^'"]*\1\s*,\s*(\{[\s\S]*?\})\s*\)\s*;?\s*<\/script>/;

/**
 * The spec of an HTML page that embeds one Vega-Lite spec literally (what `logFigure` writes), so the
 * UI draws it itself: the page's own CDN scripts would be blocked by the UI's Content-Security-Policy.
 * Like vega-embed, a spec without a `$schema` is read as Vega-Lite.
 */
export function figureOfHtml(html: string): FigureSpec | undefined {
  const literal = EMBED_CALL.exec(html)?.[2];
  if (!literal) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(literal);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  return { grammar: grammarOfSchema(value.$schema) ?? 'vega-lite', spec: value };
}
