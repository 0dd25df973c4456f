/** A Vega / Vega-Lite figure artifact drawn as a chart, Vega loaded on first use. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { FigureSpec } from '../figure/detect';
import { ErrorBanner } from './ErrorBanner';

/**
 * Draws `figure` with Vega, fetched as its own chunk the first time a figure is shown; `data-drawn`
 * turns true once the chart is on screen (the browser tests wait for it).
 */
export function FigurePreview({ figure, path }: { figure: FigureSpec; path: string }) {
  const box = useRef<HTMLDivElement>(null);
  // The figure on screen, not a flag: a new `figure` is not drawn until its own view is, even in the
  // render before this effect clears the old one.
  const [drawnFigure, setDrawnFigure] = useState<FigureSpec | undefined>();
  const drawn = drawnFigure === figure;
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    let finalize: (() => void) | undefined;
    setError(undefined);
    const container = box.current;
    if (!container) return;
    import('../figure/render')
      .then(({ renderFigure }) => renderFigure(container, figure))
      .then(
        (view) => {
          // Unmounted (or another figure chosen) while Vega loaded: this view must not linger.
          if (!live) return view.finalize();
          finalize = () => view.finalize();
          setDrawnFigure(figure);
        },
        (e) => live && setError(e),
      );
    return () => {
      live = false;
      finalize?.();
      container.replaceChildren();
    };
  }, [figure]);
  return (
    <>
      {error !== undefined && <ErrorBanner error={error} />}
      {!drawn && error === undefined && <p class="muted">Drawing the figure…</p>}
      {/* Vega sets its own role and label on the element it draws into, so that is an inner one. */}
      <div class="preview-figure" data-path={path} data-drawn={String(drawn)}>
        <div ref={box} />
      </div>
    </>
  );
}
