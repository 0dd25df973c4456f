/** The views of one experiment (its runs, its logged models) as links: each view is a route of its own. */
import { hrefOf } from '../route';

/** Links between an experiment's runs and its logged models; `current` is the view on screen. */
export function ExperimentNav({ experimentId, current }: { experimentId: string; current: 'runs' | 'models' }) {
  return (
    <nav class="experiment-nav tabs" aria-label="Experiment views">
      <a
        href={hrefOf({ page: 'runs', experimentId })}
        class={current === 'runs' ? 'active' : ''}
        aria-current={current === 'runs' ? 'page' : undefined}
      >
        Runs
      </a>
      <a
        href={hrefOf({ page: 'logged-models', experimentId })}
        class={current === 'models' ? 'active' : ''}
        aria-current={current === 'models' ? 'page' : undefined}
      >
        Models
      </a>
    </nav>
  );
}
