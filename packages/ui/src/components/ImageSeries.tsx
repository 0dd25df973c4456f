/**
 * Images logged with `logImage(img, { key, step })` (or MLflow's `log_image(key=…, step=…)`): one
 * panel per key with a step slider. Names follow MLflow: `images/<key, / as #>%step%<n>%timestamp%<ms>%<uuid>.png`.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import { ErrorBanner } from './ErrorBanner';

interface SeriesImage {
  step: number;
  timestamp: number;
  path: string;
  thumbnail?: string;
}

const NAME = /^(.+)%step%(-?\d+)%timestamp%(\d+)%([^%/]+?)(%compressed)?\.(png|webp)$/;

/** Groups the files of `images/` into series by key, sorted by step; other files are ignored. */
export function groupImageSeries(paths: string[]): Map<string, SeriesImage[]> {
  const byKey = new Map<string, Map<string, SeriesImage>>();
  for (const path of paths) {
    const m = NAME.exec(path.replace(/^images\//, ''));
    if (!m) continue;
    const key = m[1]!.replace(/#/g, '/');
    const id = `${m[2]}:${m[3]}:${m[4]}`;
    const series = byKey.get(key) ?? new Map<string, SeriesImage>();
    byKey.set(key, series);
    const entry = series.get(id) ?? { step: Number(m[2]), timestamp: Number(m[3]), path: '' };
    if (m[5]) entry.thumbnail = path;
    else entry.path = path;
    series.set(id, entry);
  }
  const out = new Map<string, SeriesImage[]>();
  for (const [key, series] of [...byKey].sort(([a], [b]) => a.localeCompare(b))) {
    out.set(
      key,
      [...series.values()].filter((s) => s.path !== '').sort((a, b) => a.step - b.step || a.timestamp - b.timestamp),
    );
  }
  return out;
}

function SeriesPanel({ runId, imageKey, images }: { runId: string; imageKey: string; images: SeriesImage[] }) {
  const [index, setIndex] = useState(images.length - 1);
  const current = images[Math.min(index, images.length - 1)]!;
  return (
    <figure class="image-series">
      <figcaption>
        {imageKey} — step {current.step}
      </figcaption>
      <img src={api.artifactUrl(runId, current.path)} alt={`${imageKey} at step ${current.step}`} loading="lazy" />
      {images.length > 1 && (
        <input
          type="range"
          min={0}
          max={images.length - 1}
          value={index}
          aria-label={`Step of ${imageKey}`}
          onInput={(e) => setIndex(Number((e.target as HTMLInputElement).value))}
        />
      )}
    </figure>
  );
}

/** Every image series of a run, each with a step slider; nothing when the run has none. */
export function ImageSeries({ runId }: { runId: string }) {
  const [series, setSeries] = useState<Map<string, SeriesImage[]> | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    api.listArtifacts(runId, 'images').then(
      (files) => live && setSeries(groupImageSeries(files.map((f) => f.path))),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [runId]);
  if (error !== undefined) return <ErrorBanner error={error} />;
  if (!series || series.size === 0) return null;
  return (
    <div class="image-series-grid">
      {[...series].map(([key, images]) => (
        <SeriesPanel key={key} runId={runId} imageKey={key} images={images} />
      ))}
    </div>
  );
}
