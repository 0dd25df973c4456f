/** One run: info, params, latest metrics with charts, editable tags and note, artifacts. */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { runArtifacts } from '../artifact-source';
import type { KeyValue } from '../api/types';
import { ArtifactBrowser } from '../components/ArtifactBrowser';
import { AxisSelect } from '../components/AxisSelect';
import { DescriptionEditor } from '../components/DescriptionEditor';
import { ErrorBanner } from '../components/ErrorBanner';
import { ImageSeries } from '../components/ImageSeries';
import { MetricChart } from '../components/MetricChart';
import { ProjectSourcePanel } from '../components/ProjectSourcePanel';
import { Tabs } from '../components/Tabs';
import { SystemMetricsTab, systemMetricKeys } from '../components/SystemMetricsTab';
import { TagEditor } from '../components/TagEditor';
import { formatDuration, formatMetric, formatTime } from '../formatting';
import { hrefOf } from '../route';
import type { Theme } from '../theme';
import { useAction } from '../use-action';
import { useAsync } from '../use-async';
import { LIVE_REFRESH_MS, useLiveTick } from '../use-live-tick';

const NOTE_TAG = 'mlflow.note.content';

function KeyValueTable({ label, items }: { label: string; items: KeyValue[] }) {
  if (items.length === 0) return <p class="muted">None.</p>;
  return (
    <table class="grid kv" aria-label={label}>
      <tbody>
        {items.map((p) => (
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

/** The page of one run (`#/runs/<id>`): overview, charts and artifacts tabs. */
export function RunPage({ runId, theme }: { runId: string; theme: Theme }) {
  const run = useAsync(() => api.getRun(runId), [runId]);
  const experimentId = run.value?.info.experiment_id;
  // The experiment's name for the breadcrumb; its id stands in until (or unless) it arrives.
  const experiment = useAsync(
    () => (experimentId === undefined ? Promise.resolve(undefined) : api.getExperiment(experimentId)),
    [experimentId],
  );
  const { error: actionError, run: act } = useAction(run.reload);
  const [axis, setAxis] = useState<'step' | 'timestamp'>('step');
  const [tab, setTab] = useState<'overview' | 'charts' | 'system' | 'artifacts'>('overview');

  // A running run's page follows it: the run (latest metrics, status) and its charts reload on a timer.
  const running = run.value?.info.status === 'RUNNING';
  const tick = useLiveTick(running);
  useEffect(() => {
    if (tick > 0) run.reload();
  }, [tick]);

  if (run.error !== undefined) return <ErrorBanner error={run.error} />;
  const r = run.value;
  if (!r) return <p class="muted">Loading…</p>;
  const info = r.info;
  const tags = r.data.tags ?? [];
  const userTags = tags.filter((t) => !t.key.startsWith('mlflow.'));
  const systemTags = tags.filter((t) => t.key.startsWith('mlflow.') && t.key !== NOTE_TAG);
  const savedNote = tags.find((t) => t.key === NOTE_TAG)?.value ?? '';
  const metrics = [...(r.data.metrics ?? [])].sort((a, b) => a.key.localeCompare(b.key));

  return (
    <section class="page run-page">
      <header class="page-head">
        <h1>
          <a href={hrefOf({ page: 'runs', experimentId: info.experiment_id })}>
            {experiment.value?.name ?? `Experiment ${info.experiment_id}`}
          </a>{' '}
          / {info.run_name || info.run_id}
        </h1>
        <span class={`status status-${info.status.toLowerCase()}`}>{info.status}</span>
        {running && <span class="muted live-note">refreshing every {LIVE_REFRESH_MS / 1000} s</span>}
      </header>
      {actionError !== undefined && <ErrorBanner error={actionError} />}
      <Tabs
        id="run"
        selected={tab}
        onSelect={setTab}
        tabs={[
          { key: 'overview', label: 'Overview' },
          { key: 'charts', label: `Charts (${metrics.length})` },
          { key: 'system', label: `System metrics (${systemMetricKeys(metrics.map((m) => m.key)).length})` },
          { key: 'artifacts', label: 'Artifacts' },
        ]}
      >
        {tab === 'overview' && (
          <div class="overview">
            <dl class="info">
              <dt>Run ID</dt>
              <dd class="mono">{info.run_id}</dd>
              <dt>Started</dt>
              <dd>{formatTime(info.start_time)}</dd>
              <dt>Duration</dt>
              <dd>{formatDuration(info.start_time, info.end_time)}</dd>
              <dt>User</dt>
              <dd>{info.user_id}</dd>
              <dt>Lifecycle</dt>
              <dd>{info.lifecycle_stage}</dd>
              <dt>Artifacts</dt>
              <dd class="mono wrap">{info.artifact_uri}</dd>
            </dl>
            <ProjectSourcePanel tags={tags} params={r.data.params ?? []} />
            <h2>Description</h2>
            <DescriptionEditor
              label="Description"
              saved={savedNote}
              placeholder="Notes about this run"
              onSave={(text) => api.setTag(info.run_id, NOTE_TAG, text)}
              act={act}
            />
            <div class="columns">
              <div>
                <h2>Parameters ({r.data.params?.length ?? 0})</h2>
                <KeyValueTable label="Parameters" items={r.data.params ?? []} />
              </div>
              <div>
                <h2>Metrics ({metrics.length})</h2>
                {metrics.length === 0 ? (
                  <p class="muted">None.</p>
                ) : (
                  <table class="grid kv" aria-label="Metrics">
                    <tbody>
                      {metrics.map((m) => (
                        <tr key={m.key}>
                          <th scope="row" class="mono">
                            {m.key}
                          </th>
                          <td class="num">{formatMetric(m.value)}</td>
                          <td class="muted">step {m.step ?? 0}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </div>
            </div>
            <h2>Tags</h2>
            <TagEditor
              tags={userTags}
              noun="tag"
              onSet={(key, value) => api.setTag(info.run_id, key, value)}
              onDelete={(key) => api.deleteTag(info.run_id, key)}
              act={act}
            />
            <details>
              <summary>System tags ({systemTags.length})</summary>
              <KeyValueTable label="System tags" items={systemTags} />
            </details>
          </div>
        )}
        {tab === 'charts' && (
          <div>
            <AxisSelect axis={axis} onChange={setAxis} />
            {metrics.length === 0 && <p class="muted">This run logged no metrics.</p>}
            <div class="chart-grid">
              {metrics.map((m, i) => (
                <MetricChart key={m.key} runId={info.run_id} metricKey={m.key} axis={axis} theme={theme} color={i} refresh={tick} />
              ))}
            </div>
          </div>
        )}
        {tab === 'system' && <SystemMetricsTab runId={info.run_id} keys={metrics.map((m) => m.key)} theme={theme} refresh={tick} />}
        {tab === 'artifacts' && (
          <div>
            <ImageSeries runId={info.run_id} />
            <ArtifactBrowser source={runArtifacts(info.run_id)} />
          </div>
        )}
      </Tabs>
    </section>
  );
}
