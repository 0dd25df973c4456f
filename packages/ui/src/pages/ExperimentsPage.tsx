/** Experiments: search by name, create, rename, delete and restore. */
import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Experiment } from '../api/types';
import { ErrorBanner } from '../components/ErrorBanner';
import { formatTime } from '../formatting';
import { hrefOf } from '../route';
import { useAction } from '../use-action';
import { usePagedList } from '../use-paged-list';

function nameFilter(text: string): string | undefined {
  const t = text.trim();
  return t ? `name LIKE '%${t.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}%'` : undefined;
}

/** The experiments list (`#/experiments`), the home page. */
export function ExperimentsPage() {
  const [search, setSearch] = useState('');
  const [deleted, setDeleted] = useState(false);
  const [newName, setNewName] = useState('');
  const [renaming, setRenaming] = useState<{ id: string; name: string } | undefined>();
  const list = usePagedList(
    (pageToken) => {
      const filter = nameFilter(search);
      return api.searchExperiments({
        ...(filter !== undefined ? { filter } : {}),
        viewType: deleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY',
        ...(pageToken !== undefined ? { pageToken } : {}),
      });
    },
    [search, deleted],
  );

  const { error: actionError, run: act } = useAction(list.reload);

  return (
    <section class="page">
      <header class="page-head">
        <h1>Experiments</h1>
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (newName.trim()) act(() => api.createExperiment(newName.trim()).then(() => setNewName('')));
          }}
        >
          <input
            aria-label="New experiment name"
            placeholder="New experiment name"
            value={newName}
            onInput={(e) => setNewName(e.currentTarget.value)}
          />
          <button type="submit" disabled={!newName.trim()}>
            Create
          </button>
        </form>
      </header>
      <div class="toolbar">
        <input
          type="search"
          aria-label="Search experiments"
          placeholder="Search experiments by name"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
        <label class="check">
          <input type="checkbox" checked={deleted} onChange={(e) => setDeleted(e.currentTarget.checked)} /> Show deleted
        </label>
      </div>
      {actionError !== undefined && <ErrorBanner error={actionError} />}
      {list.error !== undefined && <ErrorBanner error={list.error} />}
      <table class="grid" aria-label="Experiments">
        <thead>
          <tr>
            <th>Name</th>
            <th>ID</th>
            <th>Created</th>
            <th>Artifact location</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {list.items.map((e: Experiment) => (
            <tr key={e.experiment_id}>
              <td>
                {renaming?.id === e.experiment_id ? (
                  <form
                    class="inline-form"
                    onSubmit={(ev) => {
                      ev.preventDefault();
                      act(() => api.renameExperiment(e.experiment_id, renaming.name).then(() => setRenaming(undefined)));
                    }}
                  >
                    <input
                      aria-label="New name"
                      value={renaming.name}
                      onInput={(ev) => setRenaming({ id: e.experiment_id, name: ev.currentTarget.value })}
                    />
                    <button type="submit">Save</button>
                    <button type="button" onClick={() => setRenaming(undefined)}>
                      Cancel
                    </button>
                  </form>
                ) : (
                  <a href={hrefOf({ page: 'runs', experimentId: e.experiment_id })}>{e.name}</a>
                )}
              </td>
              <td class="mono">{e.experiment_id}</td>
              <td>{formatTime(e.creation_time)}</td>
              <td class="mono ellipsis" title={e.artifact_location}>
                {e.artifact_location}
              </td>
              <td class="actions">
                {deleted ? (
                  <button type="button" onClick={() => act(() => api.restoreExperiment(e.experiment_id))}>
                    Restore
                  </button>
                ) : (
                  <>
                    <button type="button" onClick={() => setRenaming({ id: e.experiment_id, name: e.name })}>
                      Rename
                    </button>
                    <button type="button" class="danger" onClick={() => act(() => api.deleteExperiment(e.experiment_id))}>
                      Delete
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.loading && <p class="muted">Loading…</p>}
      {!list.loading && list.hasMore && (
        <button type="button" class="more" onClick={list.more}>
          Load more experiments
        </button>
      )}
      {!list.loading && list.error === undefined && list.items.length === 0 && (
        <p class="muted">
          {deleted
            ? 'No deleted experiments.'
            : search.trim()
              ? 'No experiments match.'
              : 'No experiments yet: create one above, or start a run.'}
        </p>
      )}
    </section>
  );
}
