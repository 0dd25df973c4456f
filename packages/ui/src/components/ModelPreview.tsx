/**
 * An MLmodel file shown as the model it describes: its flavors, the signature's inputs, outputs and
 * params as tables, the input example, and how to serve it. The YAML itself stays one click away.
 */
import { useEffect, useState } from 'preact/hooks';
import { PREVIEW_MAX_BYTES } from '../artifact-kind';
import type { ArtifactSource } from '../artifact-source';
import { formatBytes } from '../formatting';
import { ErrorBanner } from './ErrorBanner';
import { type ModelView, modelViewOf, type SchemaRow } from './mlmodel-view';

/** Longer examples are cut: the preview is for reading, the download has the whole file. */
const EXAMPLE_MAX_CHARS = 20_000;

type Loaded = { text: string; view?: ModelView; problem?: string; example?: string; serving?: string };

function SchemaTable({ label, rows }: { label: string; rows: SchemaRow[] }) {
  return (
    <table class="grid" aria-label={label}>
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>Required</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <td class="mono">{r.name}</td>
            <td class="mono">{r.type}</td>
            <td>{r.required ? 'yes' : 'optional'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function pretty(text: string): string {
  let out = text;
  try {
    out = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // Not JSON after all (or NaN from an old Python writer): show it as written.
  }
  return out.length > EXAMPLE_MAX_CHARS ? `${out.slice(0, EXAMPLE_MAX_CHARS)}\n…` : out;
}

/** The model view of `path`, an MLmodel file among the artifacts of `source`. */
export function ModelPreview({ source, path, size }: { source: ArtifactSource; path: string; size?: number }) {
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState<unknown>();
  const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const inFolder = (name: string) => (folder ? `${folder}/${name}` : name);
  useEffect(() => {
    let live = true;
    setLoaded(undefined);
    setError(undefined);
    (async () => {
      const text = await (await source.fetch(path)).text();
      let view: ModelView | undefined;
      let problem: string | undefined;
      try {
        view = modelViewOf(text);
      } catch (e) {
        problem = (e as Error).message;
      }
      // The examples are extras: a missing or unreadable one leaves the rest of the view.
      const read = (name: string | undefined) =>
        name
          ? source.fetch(inFolder(name)).then(
              (b) => (b.size > PREVIEW_MAX_BYTES ? undefined : b.text()),
              () => undefined,
            )
          : undefined;
      const [example, serving] = await Promise.all([read(view?.inputExample?.path), read(view?.servingExample)]);
      if (live)
        setLoaded({
          text,
          ...(view ? { view } : {}),
          ...(problem ? { problem } : {}),
          ...(example ? { example } : {}),
          ...(serving ? { serving } : {}),
        });
    })().catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [source.key, path]);

  const view = loaded?.view;
  return (
    <div class="preview model-preview" data-preview-kind="model">
      <div class="preview-head">
        <span class="mono">{path}</span> <span class="muted">{formatBytes(size)}</span>{' '}
        <a href={source.url(path)} download>
          Download
        </a>
      </div>
      {error !== undefined && <ErrorBanner error={error} />}
      {!loaded && error === undefined && <p class="muted">Loading…</p>}
      {loaded?.problem && (
        <p class="muted">This MLmodel file could not be read as a model ({loaded.problem}); it is shown as text below.</p>
      )}
      {view && (
        <>
          <h3>Flavors</h3>
          <ul class="model-flavors">
            {view.flavors.map((f) => (
              <li key={f.name}>
                <strong class="mono">{f.name}</strong> <span class="muted">{f.details.map(([k, v]) => `${k}: ${v}`).join(' · ')}</span>
              </li>
            ))}
          </ul>
          <h3>Signature</h3>
          {!view.inputs && !view.outputs && <p class="muted">No signature: inputs are not checked when the model predicts.</p>}
          {view.inputs && (
            <>
              <h4>Inputs</h4>
              <SchemaTable label="Model inputs" rows={view.inputs} />
            </>
          )}
          {view.outputs && (
            <>
              <h4>Outputs</h4>
              <SchemaTable label="Model outputs" rows={view.outputs} />
            </>
          )}
          {view.params && view.params.length > 0 && (
            <>
              <h4>Params</h4>
              <table class="grid" aria-label="Model params">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Type</th>
                    <th>Default</th>
                    <th>Shape</th>
                  </tr>
                </thead>
                <tbody>
                  {view.params.map((p) => (
                    <tr key={p.name}>
                      <td class="mono">{p.name}</td>
                      <td class="mono">{p.type}</td>
                      <td class="mono">{p.default}</td>
                      <td>{p.shape}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {view.inputExample && (
            <>
              <h3>Input example</h3>
              {loaded?.example !== undefined ? (
                <pre class="preview-text" data-model-example="">
                  {pretty(loaded.example)}
                </pre>
              ) : (
                <p class="muted">{inFolder(view.inputExample.path)} could not be loaded.</p>
              )}
              {loaded?.serving !== undefined && (
                <details>
                  <summary>Request body for POST /invocations</summary>
                  <pre class="preview-text">{pretty(loaded.serving)}</pre>
                </details>
              )}
            </>
          )}
          <h3>Serve it</h3>
          <pre class="preview-text">labbook models serve -m {source.modelUri(folder)} -p 5001</pre>
          {view.facts.length > 0 && (
            <p class="muted">
              {view.facts.map(([k, v]) => (
                <span key={k}>
                  {k}: <span class="mono">{v}</span>{' '}
                </span>
              ))}
            </p>
          )}
        </>
      )}
      {loaded && (
        <details open={loaded.problem !== undefined}>
          <summary>MLmodel file</summary>
          <pre class="preview-text">{loaded.text}</pre>
        </details>
      )}
    </div>
  );
}
