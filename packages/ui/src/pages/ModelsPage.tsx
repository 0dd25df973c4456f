/** Registered models: search by name; each with its latest versions per stage and its aliases. */
import { useState } from 'preact/hooks';
import { api } from '../api/client';
import { ErrorBanner } from '../components/ErrorBanner';
import { formatTime } from '../formatting';
import { hrefOf } from '../route';
import { usePagedList } from '../use-paged-list';

/** The registered models list (`#/models`). */
export function ModelsPage() {
  const [search, setSearch] = useState('');
  const t = search.trim().replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const models = usePagedList(
    (pageToken) => api.searchModels({ ...(t ? { filter: `name LIKE '%${t}%'` } : {}), ...(pageToken !== undefined ? { pageToken } : {}) }),
    [t],
  );
  return (
    <section class="page">
      <header class="page-head">
        <h1>Registered models</h1>
      </header>
      <div class="toolbar">
        <input
          type="search"
          aria-label="Search models"
          placeholder="Search models by name"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
      </div>
      {models.error !== undefined && <ErrorBanner error={models.error} />}
      <table class="grid" aria-label="Registered models">
        <thead>
          <tr>
            <th>Name</th>
            <th>Latest versions</th>
            <th>Aliases</th>
            <th>Updated</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {models.items.map((m) => (
            <tr key={m.name}>
              <td>
                <a href={hrefOf({ page: 'model', name: m.name })}>{m.name}</a>
              </td>
              <td>
                {(m.latest_versions ?? []).map((v) => (
                  <span key={v.version} class="pill">
                    v{v.version} {v.current_stage && v.current_stage !== 'None' ? v.current_stage : ''}
                  </span>
                ))}
              </td>
              <td>
                {(m.aliases ?? []).map((a) => (
                  <span key={a.alias} class="pill alias">
                    @{a.alias} → v{a.version}
                  </span>
                ))}
              </td>
              <td>{formatTime(m.last_updated_timestamp)}</td>
              <td class="ellipsis">{m.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {models.loading && <p class="muted">Loading…</p>}
      {!models.loading && models.hasMore && (
        <button type="button" class="more" onClick={models.more}>
          Load more models
        </button>
      )}
      {!models.loading && models.error === undefined && models.items.length === 0 && (
        <p class="muted">No registered models{t ? ' match' : ' yet'}.</p>
      )}
    </section>
  );
}
