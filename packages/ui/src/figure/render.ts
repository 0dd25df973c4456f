/**
 * Draws a figure with Vega. Imported only dynamically (its own chunk, ~1 MB of Vega), so the UI's
 * first load does not carry it.
 */
import { type Loader, type Spec, View, loader, parse } from 'vega';
import { expressionInterpreter } from 'vega-interpreter';
import { type TopLevelSpec, compile } from 'vega-lite';
import type { FigureSpec } from './detect';

/**
 * Specs are artifacts, i.e. anyone's input: their data URLs are not fetched. The UI's CSP would block
 * other origins anyway, as a console error, and a relative URL would resolve against the UI rather
 * than the run. Refusing in the loader turns both into the preview's error message instead.
 */
function offlineLoader(): Loader {
  const refuse = (uri: string) =>
    Promise.reject(new Error(`This figure loads data from ${uri}; the preview draws only figures with their data inline.`));
  return { ...loader(), load: refuse, sanitize: refuse, http: refuse, file: refuse };
}

/**
 * Renders `figure` as SVG into `container`. The spec is parsed to an AST and run by Vega's expression
 * interpreter (`vega-interpreter`): Vega's default compiles expressions with `new Function`, which the
 * UI's Content-Security-Policy (no 'unsafe-eval') forbids.
 * @returns the view, to `finalize()` when the preview goes away
 */
export async function renderFigure(container: HTMLElement, figure: FigureSpec): Promise<View> {
  const spec = figure.grammar === 'vega-lite' ? compile(figure.spec as unknown as TopLevelSpec).spec : (figure.spec as Spec);
  const view = new View(parse(spec, undefined, { ast: true }), {
    expr: expressionInterpreter,
    renderer: 'svg',
    container,
    hover: true,
    loader: offlineLoader(),
  });
  try {
    await view.runAsync();
  } catch (error) {
    view.finalize();
    throw error;
  }
  return view;
}
