/** The labbook web UI: a shell with navigation and a theme toggle around one page per route. */
import { render } from 'preact';
import { ComparePage } from './pages/ComparePage';
import { ExperimentsPage } from './pages/ExperimentsPage';
import { LoggedModelPage } from './pages/LoggedModelPage';
import { LoggedModelsPage } from './pages/LoggedModelsPage';
import { ModelPage } from './pages/ModelPage';
import { ModelsPage } from './pages/ModelsPage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { useEffect } from 'preact/hooks';
import { hrefOf, titleOf, useRoute } from './route';
import { useTheme } from './theme';
import './styles.css';

function App() {
  const route = useRoute();
  useEffect(() => {
    document.title = titleOf(route);
  }, [route]);
  const [theme, toggleTheme] = useTheme();
  const section = route.page === 'models' || route.page === 'model' ? 'models' : 'experiments';
  return (
    <>
      {/* A button, not a link to #main: the hash is the route. */}
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <a class="brand" href={hrefOf({ page: 'experiments' })}>
          labbook
        </a>
        <nav aria-label="Main">
          <a href={hrefOf({ page: 'experiments' })} aria-current={section === 'experiments' ? 'page' : undefined}>
            Experiments
          </a>
          <a href={hrefOf({ page: 'models' })} aria-current={section === 'models' ? 'page' : undefined}>
            Models
          </a>
        </nav>
        <button
          type="button"
          class="theme-toggle"
          onClick={toggleTheme}
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
        >
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'experiments' && <ExperimentsPage />}
        {route.page === 'runs' && (
          <RunsPage
            key={route.experimentId}
            experimentId={route.experimentId}
            {...(route.filter !== undefined ? { initialFilter: route.filter } : {})}
          />
        )}
        {route.page === 'logged-models' && (
          <LoggedModelsPage
            key={route.experimentId}
            experimentId={route.experimentId}
            {...(route.filter !== undefined ? { initialFilter: route.filter } : {})}
          />
        )}
        {route.page === 'logged-model' && <LoggedModelPage key={route.modelId} modelId={route.modelId} />}
        {route.page === 'run' && <RunPage key={route.runId} runId={route.runId} theme={theme} />}
        {route.page === 'compare' && <ComparePage runIds={route.runIds} theme={theme} />}
        {route.page === 'models' && <ModelsPage />}
        {route.page === 'model' && <ModelPage key={route.name} name={route.name} />}
        {route.page === 'not-found' && (
          <p>
            Nothing at <code>{route.hash}</code>. <a href={hrefOf({ page: 'experiments' })}>Back to experiments</a>
          </p>
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
