/**
 * One registered model: description, tags and aliases (all editable), and every version with its stage
 * (changeable), aliases, tags, description (editable) and the run it came from.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { ModelVersion, RegisteredModel } from '../api/types';
import { DescriptionEditor } from '../components/DescriptionEditor';
import { ErrorBanner } from '../components/ErrorBanner';
import { TagEditor } from '../components/TagEditor';
import { formatTime } from '../formatting';
import { loggedModelIdOfVersion } from '../logged-model-links';
import { hrefOf } from '../route';
import { type Act, useAction } from '../use-action';
import { useAsync } from '../use-async';

const STAGES = ['None', 'Staging', 'Production', 'Archived'];

function Aliases({ model, versions, act }: { model: RegisteredModel; versions: ModelVersion[]; act: Act }) {
  const [alias, setAlias] = useState('');
  const [version, setVersion] = useState<string | undefined>();
  const target = version ?? versions[0]?.version;
  const aliases = model.aliases ?? [];
  return (
    <>
      <p>
        {aliases.length === 0 && <span class="muted">No aliases. </span>}
        {aliases.map((a) => (
          <span key={a.alias} class="pill alias">
            @{a.alias} → v{a.version}{' '}
            <button
              type="button"
              class="pill-remove"
              aria-label={`Remove alias ${a.alias}`}
              onClick={() => act(() => api.deleteAlias(model.name, a.alias))}
            >
              ×
            </button>
          </span>
        ))}
      </p>
      {versions.length > 0 && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const name = alias.trim();
            if (name && target) act(() => api.setAlias(model.name, name, target).then(() => setAlias('')));
          }}
        >
          <input aria-label="Alias" placeholder="alias (e.g. champion)" value={alias} onInput={(e) => setAlias(e.currentTarget.value)} />
          <select aria-label="Alias version" value={target} onChange={(e) => setVersion(e.currentTarget.value)}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
          <button type="submit" disabled={!alias.trim()}>
            Set alias
          </button>
        </form>
      )}
    </>
  );
}

function VersionDescription({ v, act }: { v: ModelVersion; act: Act }) {
  const [editing, setEditing] = useState<string | undefined>();
  if (editing === undefined) {
    return (
      <>
        <span class="wrap">{v.description}</span>{' '}
        <button
          type="button"
          class="link-button"
          aria-label={`Edit description of version ${v.version}`}
          onClick={() => setEditing(v.description ?? '')}
        >
          Edit
        </button>
      </>
    );
  }
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        act(() => api.updateVersion(v.name, v.version, editing).then(() => setEditing(undefined)));
      }}
    >
      <input aria-label={`Description of version ${v.version}`} value={editing} onInput={(e) => setEditing(e.currentTarget.value)} />
      <button type="submit">Save</button>
      <button type="button" onClick={() => setEditing(undefined)}>
        Cancel
      </button>
    </form>
  );
}

/**
 * Where a version came from: its run, and (MLflow 3, source `models:/m-…` or a `model_id`) the logged
 * model it was registered from, so the registry leads back to the model and not only to its run.
 */
function VersionSource({ v }: { v: ModelVersion }) {
  const modelId = loggedModelIdOfVersion(v);
  return (
    <>
      {v.run_id && (
        <a href={hrefOf({ page: 'run', runId: v.run_id })} title={v.source}>
          {v.run_id.slice(0, 12)}
        </a>
      )}
      {v.run_id && modelId && ' · '}
      {modelId && (
        <a
          href={hrefOf({ page: 'logged-model', modelId })}
          class="logged-model-link"
          aria-label={`Logged model of version ${v.version}`}
          title={v.source}
        >
          {modelId.slice(0, 14)}
        </a>
      )}
      {!v.run_id && !modelId && (
        <span class="mono muted ellipsis" title={v.source}>
          {v.source ?? '—'}
        </span>
      )}
    </>
  );
}

/** The page of one registered model (`#/models/<name>`). */
export function ModelPage({ name }: { name: string }) {
  const model = useAsync(() => api.getModel(name), [name]);
  const versions = useAsync(() => api.searchVersions(name), [name]);
  const { error: actionError, run: act } = useAction(() => {
    model.reload();
    versions.reload();
  });
  if (model.error !== undefined) return <ErrorBanner error={model.error} />;
  const m = model.value;
  if (!m) return <p class="muted">Loading…</p>;
  const aliasesOf = (version: string) => (m.aliases ?? []).filter((a) => a.version === version).map((a) => a.alias);
  const list = versions.value ?? [];
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
        <dt>Versions</dt>
        <dd>{versions.value ? list.length : '…'}</dd>
      </dl>
      <h2>Description</h2>
      <DescriptionEditor label="Model description" saved={m.description ?? ''} onSave={(text) => api.updateModel(m.name, text)} act={act} />
      <div class="columns">
        <div>
          <h2>Tags</h2>
          <TagEditor
            tags={m.tags ?? []}
            noun="model tag"
            onSet={(key, value) => api.setModelTag(m.name, key, value)}
            onDelete={(key) => api.deleteModelTag(m.name, key)}
            act={act}
          />
        </div>
        <div>
          <h2>Aliases</h2>
          <Aliases model={m} versions={list} act={act} />
        </div>
      </div>
      <h2>Versions</h2>
      {versions.error !== undefined && <ErrorBanner error={versions.error} />}
      <table class="grid" aria-label="Model versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Stage</th>
            <th>Aliases</th>
            <th>Created</th>
            <th>Source</th>
            <th>Status</th>
            <th>Tags</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {list.map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td>
              <td>
                <select
                  aria-label={`Stage of version ${v.version}`}
                  value={v.current_stage ?? 'None'}
                  onChange={(e) => act(() => api.transitionStage(m.name, v.version, e.currentTarget.value))}
                >
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
              <td>
                <VersionSource v={v} />
              </td>
              <td>{v.status}</td>
              <td>
                {(v.tags ?? []).map((t) => (
                  <span key={t.key} class="pill">
                    {t.key}: {t.value}
                  </span>
                ))}
              </td>
              <td>
                <VersionDescription v={v} act={act} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {versions.loading && <p class="muted">Loading versions…</p>}
      {!versions.loading && versions.value?.length === 0 && <p class="muted">No versions yet.</p>}
    </section>
  );
}
