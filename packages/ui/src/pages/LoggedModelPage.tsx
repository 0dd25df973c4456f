/**
 * One logged model (MLflow 3): its info, params, tags (editable), metrics, the MLmodel summary, its
 * artifacts, the run it came from and the registered versions made from it.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { KeyValue, Metric } from '../api/types';
import { loggedModelArtifacts } from '../artifact-source';
import { ArtifactBrowser } from '../components/ArtifactBrowser';
import { ErrorBanner } from '../components/ErrorBanner';
import { ModelPreview } from '../components/ModelPreview';
import { Tabs } from '../components/Tabs';
import { TagEditor } from '../components/TagEditor';
import { formatMetric, formatTime } from '../formatting';
import { MODEL_VERSIONS_TAG, registeredVersionsOf } from '../logged-model-links';
import { statusOf } from '../logged-models-table';
import { hrefOf } from '../route';
import { useAction } from '../use-action';
import { useAsync } from '../use-async';

function ParamsTable({ items }: { items: KeyValue[] }) {
  if (items.length === 0) return <p class="muted">None.</p>;
  return (
    <table class="grid kv" aria-label="Parameters">
      <tbody>
        {[...items]
          .sort((a, b) => a.key.localeCompare(b.key))
          .map((p) => (
            <tr key={p.key}>
              <th scope="row" class="mono">
                {p.key}
              </th>
              <td class="mono wrap">{p.value}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

function MetricsTable({ metrics }: { metrics: Metric[] }) {
  if (metrics.length === 0) return <p class="muted">None.</p>;
  const sorted = [...metrics].sort(
    (a, b) => a.key.localeCompare(b.key) || (a.step ?? 0) - (b.step ?? 0) || (a.dataset_name ?? '').localeCompare(b.dataset_name ?? ''),
  );
  return (
    <table class="grid" aria-label="Metrics">
      <thead>
        <tr>
          <th>Metric</th>
          <th>Value</th>
          <th>Step</th>
          <th>Dataset</th>
          <th>Run</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((m, i) => (
          <tr key={`${m.key}:${i}`}>
            <th scope="row" class="mono">
              {m.key}
            </th>
            <td class="num">{formatMetric(m.value)}</td>
            <td>{m.step ?? 0}</td>
            <td class="mono" title={m.dataset_digest}>
              {m.dataset_name ?? ''}
            </td>
            <td class="mono">{m.run_id ? <a href={hrefOf({ page: 'run', runId: m.run_id })}>{m.run_id.slice(0, 12)}</a> : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The page of one logged model (`#/experiments/<id>/models/<model_id>`, or `#/logged-models/<model_id>`
 * from the registry, which does not know the experiment).
 */
export function LoggedModelPage({ modelId }: { modelId: string }) {
  const model = useAsync(() => api.getLoggedModel(modelId), [modelId]);
  const info = model.value?.info;
  const experimentId = info?.experiment_id;
  const runId = info?.source_run_id;
  const experiment = useAsync(
    () => (experimentId === undefined ? Promise.resolve(undefined) : api.getExperiment(experimentId)),
    [experimentId],
  );
  const run = useAsync(() => (runId ? api.getRun(runId) : Promise.resolve(undefined)), [runId]);
  // The registry is searched by the source run (the filter MLflow's registry search accepts) and the
  // answers are narrowed to the versions naming this model.
  const versions = useAsync(() => (runId ? api.searchVersionsOfRun(runId) : Promise.resolve([])), [runId]);
  // The root listing says whether there is an MLmodel to summarise, without asking for a file that is not there.
  const root = useAsync(() => api.listLoggedModelArtifacts(modelId, ''), [modelId]);
  const { error: actionError, run: act } = useAction(model.reload);
  const [tab, setTab] = useState<'overview' | 'artifacts'>('overview');

  if (model.error !== undefined) return <ErrorBanner error={model.error} />;
  const m = model.value;
  if (!m || !info) return <p class="muted">Loading…</p>;
  const tags = info.tags ?? [];
  const userTags = tags.filter((t) => !t.key.startsWith('mlflow.'));
  const systemTags = tags.filter((t) => t.key.startsWith('mlflow.'));
  const status = statusOf(info.status);
  const registered = registeredVersionsOf(modelId, versions.value ?? [], tags.find((t) => t.key === MODEL_VERSIONS_TAG)?.value);
  const source = loggedModelArtifacts(modelId);
  const mlmodel = root.value?.find((f) => !f.is_dir && f.path === 'MLmodel');

  return (
    <section class="page logged-model-page">
      <header class="page-head">
        <h1>
          <a href={hrefOf({ page: 'logged-models', experimentId: info.experiment_id })}>
            {experiment.value?.name ?? `Experiment ${info.experiment_id}`}
          </a>{' '}
          / Models / {info.name || info.model_id}
        </h1>
        <span class={`status status-${status.css}`}>{status.label}</span>
      </header>
      {actionError !== undefined && <ErrorBanner error={actionError} />}
      <Tabs
        id="logged-model"
        selected={tab}
        onSelect={setTab}
        tabs={[
          { key: 'overview', label: 'Overview' },
          { key: 'artifacts', label: 'Artifacts' },
        ]}
      >
        {tab === 'overview' && (
          <div class="overview">
            <dl class="info">
              <dt>Model ID</dt>
              <dd class="mono">{info.model_id}</dd>
              <dt>Type</dt>
              <dd>{info.model_type || <span class="muted">—</span>}</dd>
              <dt>Status</dt>
              <dd>
                {status.label}
                {info.status_message ? <span class="muted"> · {info.status_message}</span> : ''}
              </dd>
              <dt>Created</dt>
              <dd>{formatTime(info.creation_timestamp_ms)}</dd>
              <dt>Updated</dt>
              <dd>{formatTime(info.last_updated_timestamp_ms)}</dd>
              <dt>Source run</dt>
              <dd>
                {runId ? (
                  <a href={hrefOf({ page: 'run', runId })} class="source-run">
                    {run.value?.info.run_name || runId}
                  </a>
                ) : (
                  <span class="muted">none (logged outside a run)</span>
                )}
              </dd>
              <dt>Artifacts</dt>
              <dd class="mono wrap">{info.artifact_uri}</dd>
            </dl>
            <h2>Registered versions</h2>
            {versions.error !== undefined && <ErrorBanner error={versions.error} />}
            {registered.length === 0 ? (
              <p class="muted">{versions.loading ? 'Loading…' : 'Not registered.'}</p>
            ) : (
              <ul class="registered-versions">
                {registered.map((v) => (
                  <li key={`${v.name}:${v.version}`}>
                    <a href={hrefOf({ page: 'model', name: v.name })}>
                      {v.name} v{v.version}
                    </a>
                    {v.found?.current_stage && v.found.current_stage !== 'None' ? (
                      <span class="muted"> · {v.found.current_stage}</span>
                    ) : (
                      ''
                    )}
                  </li>
                ))}
              </ul>
            )}
            <div class="columns">
              <div>
                <h2>Parameters ({m.data?.params?.length ?? 0})</h2>
                <ParamsTable items={m.data?.params ?? []} />
              </div>
              <div>
                <h2>Metrics ({m.data?.metrics?.length ?? 0})</h2>
                <MetricsTable metrics={m.data?.metrics ?? []} />
              </div>
            </div>
            <h2>Tags</h2>
            <TagEditor
              tags={userTags}
              noun="tag"
              onSet={(key, value) => api.setLoggedModelTag(modelId, key, value)}
              onDelete={(key) => api.deleteLoggedModelTag(modelId, key)}
              act={act}
            />
            <details>
              <summary>System tags ({systemTags.length})</summary>
              {systemTags.length === 0 ? (
                <p class="muted">None.</p>
              ) : (
                <table class="grid kv" aria-label="System tags">
                  <tbody>
                    {systemTags.map((t) => (
                      <tr key={t.key}>
                        <th scope="row" class="mono">
                          {t.key}
                        </th>
                        <td class="mono wrap">{t.value}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </details>
            {root.error !== undefined && <ErrorBanner error={root.error} />}
            {mlmodel && (
              <>
                <h2>Model</h2>
                <ModelPreview
                  source={source}
                  path={mlmodel.path}
                  {...(mlmodel.file_size !== undefined ? { size: mlmodel.file_size } : {})}
                />
              </>
            )}
          </div>
        )}
        {tab === 'artifacts' && <ArtifactBrowser source={source} />}
      </Tabs>
    </section>
  );
}
