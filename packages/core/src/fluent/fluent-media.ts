import { invalidParameter } from '../errors.js';
import type { ImageInput } from '../media/image-input.js';
import { type LoggedImage, type LogImageOptions, logImageToRun } from '../media/log-image.js';
import { fluentClient, resolveFluentRunId } from './fluent.js';

/**
 * Logs an image into the active run (MLflow's `log_image`). With `{ key, step }` it joins a series
 * that the run page (and MLflow's UI) shows with a step slider; with `{ artifactFile }` it is one
 * static file. Accepts PNG/JPEG bytes, a file path, or raw pixels `{ data, width, height }`.
 *
 * @example
 * await logImage(pngBytes, { key: 'samples/reconstruction', step: epoch });
 */
export async function logImage(image: ImageInput, options: LogImageOptions & { runId?: string }): Promise<LoggedImage> {
  const { runId, ...rest } = options ?? {};
  return logImageToRun(fluentClient(), await resolveFluentRunId(runId), image, rest);
}

/** A Vega-Lite spec: a JSON object with a `$schema` naming vega-lite, or at least a `mark`. */
export type VegaLiteSpec = Record<string, unknown>;

function isVegaLite(figure: unknown): figure is VegaLiteSpec {
  if (!figure || typeof figure !== 'object' || Array.isArray(figure)) return false;
  const f = figure as Record<string, unknown>;
  return (
    (typeof f.$schema === 'string' && f.$schema.includes('vega-lite')) || 'mark' in f || 'layer' in f || 'vconcat' in f || 'hconcat' in f
  );
}

function vegaLiteHtml(spec: VegaLiteSpec): string {
  // Same choice as MLflow's plotly figures (`include_plotlyjs="cdn"`): a self-contained page that
  // loads the renderer from a CDN, so the artifact stays small and opens in any browser.
  const json = JSON.stringify(spec).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>figure</title>
<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>
<script src="https://cdn.jsdelivr.net/npm/vega-lite@5"></script>
<script src="https://cdn.jsdelivr.net/npm/vega-embed@6"></script>
</head><body><div id="vis"></div>
<script>vegaEmbed('#vis', ${json});</script>
</body></html>
`;
}

/**
 * Logs a figure (MLflow's `log_figure`) as something a browser renders: an SVG string as `.svg`; a
 * Vega-Lite spec as `.json` (the spec itself, for tools) or `.html` (a page that renders it).
 */
export async function logFigure(figure: string | VegaLiteSpec, artifactFile: string, options: { runId?: string } = {}): Promise<void> {
  const lower = artifactFile.toLowerCase();
  if (typeof figure === 'string') {
    if (!/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(figure)) {
      throw invalidParameter('A string figure must be an SVG document (starting with <svg>).', { field: 'figure' });
    }
    if (!lower.endsWith('.svg'))
      throw invalidParameter(`An SVG figure is saved as .svg, not '${artifactFile}'.`, { field: 'artifact_file' });
    return fluentClient().logText(await resolveFluentRunId(options.runId), figure, artifactFile);
  }
  if (!isVegaLite(figure)) {
    throw invalidParameter('Unsupported figure: expected an SVG string or a Vega-Lite spec object.', { field: 'figure' });
  }
  const runId = await resolveFluentRunId(options.runId);
  if (lower.endsWith('.html')) return fluentClient().logText(runId, vegaLiteHtml(figure), artifactFile);
  if (lower.endsWith('.json')) return fluentClient().logDict(runId, figure, artifactFile);
  throw invalidParameter(`A Vega-Lite figure is saved as .json or .html, not '${artifactFile}'.`, { field: 'artifact_file' });
}
