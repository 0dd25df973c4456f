/** One registered model: description (editable), tags, aliases, and every version with its stage and run. */
import { useState } from 'preact/hooks';
import { api } from '../api/client';
import { ErrorBanner } from '../components/ErrorBanner';
import { formatTime } from '../formatting';
import { hrefOf } from '../route';
import { useAction } from '../use-action';
import { useAsync } from '../use-async';

const STAGES = ['None', 'Staging', 'Production', 'Archived'];

export function ModelPage({ name }: { name: string }) {
  const model = useAsync(() => api.getModel(name), [name]);
  const versions = useAsync(() => api.searchVersions(name), [name]);
  const [description, setDescription] = useState<string | undefined>();
  const { error: actionError, run: act } = useAction(() => {
    model.reload();
    versions.reload();
  });
  if (model.error !== undefined) return <ErrorBanner error={model.error} />;
  const m = model.value;
  if (!m) return <p class="muted">Loading…</p>;
  const aliasesOf = (version: string) => (m.aliases ?? []).filter((a) => a.version === version).map((a) => a.alias);
  return (
    <section class="page">
      <header class="page-head">
        <h1>
          <a href={hrefOf({ page: 'models' })}>Registered models</a> / {m.name}
        </h1>
      </header>
      {actionError !== undefined && <ErrorBanner error={actionError} />}
      <dl class="info">
        <dt>Created</dt>
        <dd>{formatTime(m.creation_timestamp)}</dd>
        <dt>Updated</dt>
        <dd>{formatTime(m.last_updated_timestamp)}</dd>
        <dt>Tags</dt>
        <dd>
          {(m.tags ?? []).map((t) => (
            <span key={t.key} class="pill">
              {t.key}: {t.value}
            </span>
          ))}
          {(m.tags ?? []).length === 0 && <span class="muted">none</span>}
        </dd>
      </dl>
      <h2>Description</h2>
      <form
        class="note"
        onSubmit={(e) => {
          e.preventDefault();
          act(() => api.updateModel(m.name, description ?? m.description ?? '').then(() => setDescription(undefined)));
        }}
      >
        <textarea aria-label="Model description" rows={3} value={description ?? m.description ?? ''} onInput={(e) => setDescription(e.currentTarget.value)} />
        <button type="submit" disabled={description === undefined}>
          Save description
        </button>
      </form>
      <h2>Versions</h2>
      {versions.error !== undefined && <ErrorBanner error={versions.error} />}
      <table class="grid" aria-label="Model versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Stage</th>
            <th>Aliases</th>
            <th>Created</th>
            <th>Source run</th>
            <th>Tags</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {(versions.value ?? []).map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td>
              <td>
                <select aria-label={`Stage of version ${v.version}`} value={v.current_stage ?? 'None'} onChange={(e) => act(() => api.transitionStage(m.name, v.version, e.currentTarget.value))}>
                  {STAGES.map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </td>
              <td>
                {aliasesOf(v.version).map((a) => (
                  <span key={a} class="pill alias">
                    @{a}
                  </span>
                ))}
              </td>
              <td>{formatTime(v.creation_timestamp)}</td>
              <td>{v.run_id ? <a href={hrefOf({ page: 'run', runId: v.run_id })}>{v.run_id.slice(0, 12)}</a> : <span class="muted">—</span>}</td>
              <td>
                {(v.tags ?? []).map((t) => (
                  <span key={t.key} class="pill">
                    {t.key}: {t.value}
                  </span>
                ))}
              </td>
              <td class="ellipsis">{v.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!versions.loading && versions.value?.length === 0 && <p class="muted">No versions yet.</p>}
    </section>
  );
}
