/**
 * Preview of one artifact: text, pretty JSON, CSV as a table, images, Vega / Vega-Lite figures as charts;
 * a download link for all.
 */
import Papa from 'papaparse';
import { useEffect, useState } from 'preact/hooks';
import { PREVIEW_MAX_BYTES, imageTypeOf, previewKindOf } from '../artifact-kind';
import type { ArtifactSource } from '../artifact-source';
import { type FigureSpec, figureOfHtml, figureOfJson } from '../figure/detect';
import { formatBytes } from '../formatting';
import { ErrorBanner } from './ErrorBanner';
import { FigurePreview } from './FigurePreview';

const CSV_MAX_ROWS = 500;

type Content =
  | { kind: 'text'; text: string }
  | { kind: 'csv'; rows: string[][]; truncated: boolean }
  | { kind: 'image'; url: string }
  | { kind: 'figure'; figure: FigureSpec }
  | { kind: 'none' };

/**
 * Fetches one artifact and shows it by kind (from its name); files over the preview limit or of unknown
 * kinds get only the download link.
 */
export function ArtifactPreview({ source, path, size }: { source: ArtifactSource; path: string; size?: number }) {
  const [content, setContent] = useState<Content | undefined>();
  const [error, setError] = useState<unknown>();
  const kind = previewKindOf(path);
  const tooBig = size !== undefined && size > PREVIEW_MAX_BYTES;
  useEffect(() => {
    let live = true;
    let url: string | undefined;
    setContent(undefined);
    setError(undefined);
    if (kind === 'none' || tooBig) {
      setContent({ kind: 'none' });
      return;
    }
    source.fetch(path).then(
      async (blob) => {
        if (!live) return;
        if (kind === 'image') {
          url = URL.createObjectURL(new Blob([blob], { type: imageTypeOf(path) }));
          setContent({ kind: 'image', url });
          return;
        }
        const text = await blob.text();
        if (!live) return;
        if (kind === 'json') {
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch {
            setContent({ kind: 'text', text });
            return;
          }
          const figure = figureOfJson(path, value);
          setContent(figure ? { kind: 'figure', figure } : { kind: 'text', text: JSON.stringify(value, null, 2) });
        } else if (kind === 'text' && path.toLowerCase().endsWith('.html')) {
          // logFigure's HTML page loads Vega from a CDN, which this UI's CSP blocks: draw its spec here.
          const figure = figureOfHtml(text);
          setContent(figure ? { kind: 'figure', figure } : { kind: 'text', text });
        } else if (kind === 'csv') {
          const parsed = Papa.parse<string[]>(text, {
            delimiter: path.toLowerCase().endsWith('.tsv') ? '\t' : '',
            skipEmptyLines: true,
            preview: CSV_MAX_ROWS + 1,
          });
          setContent({ kind: 'csv', rows: parsed.data.slice(0, CSV_MAX_ROWS + 1), truncated: parsed.data.length > CSV_MAX_ROWS });
        } else {
          setContent({ kind: 'text', text });
        }
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [source.key, path]);

  const [head, ...body] = content?.kind === 'csv' ? content.rows : [];
  return (
    <div class="preview" data-preview-kind={content?.kind ?? 'loading'}>
      <div class="preview-head">
        <span class="mono">{path}</span> <span class="muted">{formatBytes(size)}</span>{' '}
        <a href={source.url(path)} download>
          Download
        </a>
      </div>
      {error !== undefined && <ErrorBanner error={error} />}
      {!content && error === undefined && <p class="muted">Loading…</p>}
      {content?.kind === 'text' && <pre class="preview-text">{content.text}</pre>}
      {content?.kind === 'image' && <img class="preview-image" src={content.url} alt={path} />}
      {content?.kind === 'figure' && <FigurePreview figure={content.figure} path={path} />}
      {content?.kind === 'csv' && (
        <div class="preview-table">
          <table class="grid" aria-label={`Contents of ${path}`}>
            <thead>
              <tr>
                {(head ?? []).map((h, i) => (
                  <th key={i}>{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {body.map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) => (
                    <td key={j}>{c}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {content.truncated && <p class="muted">First {CSV_MAX_ROWS} rows shown.</p>}
        </div>
      )}
      {content?.kind === 'none' && (
        <p class="muted">{tooBig ? `Too large to preview (over ${formatBytes(PREVIEW_MAX_BYTES)}).` : 'No preview for this file type.'}</p>
      )}
    </div>
  );
}
