/**
 * Hash routes (`#/experiments/1`): deep links never reach the server, so the UI works from any static
 * prefix without server-side fallbacks.
 */
import { useEffect, useState } from 'preact/hooks';

/** A parsed location. */
export type Route =
  | { page: 'experiments' }
  | { page: 'runs'; experimentId: string; filter?: string }
  | { page: 'logged-models'; experimentId: string; filter?: string }
  /** A logged model (MLflow 3); without the experiment (a link from the registry) it is read from the model. */
  | { page: 'logged-model'; modelId: string; experimentId?: string }
  | { page: 'run'; runId: string }
  | { page: 'compare'; runIds: string[] }
  | { page: 'models' }
  | { page: 'model'; name: string }
  | { page: 'not-found'; hash: string };

/** Parses a location hash. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts.length === 0) return { page: 'experiments' };
  if (parts[0] === 'experiments' && parts.length === 1) return { page: 'experiments' };
  if (parts[0] === 'experiments' && parts[1] && parts[2] === 'models') {
    if (parts[3]) return { page: 'logged-model', modelId: parts[3], experimentId: parts[1] };
    const filter = params.get('filter');
    return filter ? { page: 'logged-models', experimentId: parts[1], filter } : { page: 'logged-models', experimentId: parts[1] };
  }
  if (parts[0] === 'experiments' && parts[1] && parts.length === 2) {
    const filter = params.get('filter');
    return filter ? { page: 'runs', experimentId: parts[1], filter } : { page: 'runs', experimentId: parts[1] };
  }
  if (parts[0] === 'logged-models' && parts[1]) return { page: 'logged-model', modelId: parts[1] };
  if (parts[0] === 'runs' && parts[1]) return { page: 'run', runId: parts[1] };
  if (parts[0] === 'compare') return { page: 'compare', runIds: (params.get('runs') ?? '').split(',').filter(Boolean) };
  if (parts[0] === 'models' && parts.length === 1) return { page: 'models' };
  if (parts[0] === 'models' && parts[1]) return { page: 'model', name: parts[1] };
  return { page: 'not-found', hash };
}

/** The hash of a route, for links. */
export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'experiments':
      return '#/experiments';
    case 'runs':
      return `#/experiments/${encodeURIComponent(route.experimentId)}${route.filter ? `?${new URLSearchParams({ filter: route.filter })}` : ''}`;
    case 'logged-models':
      return `#/experiments/${encodeURIComponent(route.experimentId)}/models${route.filter ? `?${new URLSearchParams({ filter: route.filter })}` : ''}`;
    case 'logged-model':
      return route.experimentId === undefined
        ? `#/logged-models/${encodeURIComponent(route.modelId)}`
        : `#/experiments/${encodeURIComponent(route.experimentId)}/models/${encodeURIComponent(route.modelId)}`;
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`;
    case 'compare':
      return `#/compare?runs=${route.runIds.map(encodeURIComponent).join(',')}`;
    case 'models':
      return '#/models';
    case 'model':
      return `#/models/${encodeURIComponent(route.name)}`;
    default:
      return route.hash;
  }
}

/** The document title of a route: what a browser tab and its history list show. */
export function titleOf(route: Route): string {
  const page = (() => {
    switch (route.page) {
      case 'experiments':
        return 'Experiments';
      case 'runs':
        return `Experiment ${route.experimentId}`;
      case 'logged-models':
        return `Experiment ${route.experimentId} models`;
      case 'logged-model':
        return `Logged model ${route.modelId.slice(0, 10)}`;
      case 'run':
        return `Run ${route.runId.slice(0, 8)}`;
      case 'compare':
        return `Compare ${route.runIds.length} runs`;
      case 'models':
        return 'Models';
      case 'model':
        return `Model ${route.name}`;
      default:
        return 'Not found';
    }
  })();
  return `${page} · labbook`;
}

/** The current route, updated on hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
