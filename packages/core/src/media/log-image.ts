import type { Client } from '../client/client.js';
import { invalidParameter } from '../errors.js';
import { encodePng, thumbnail } from './image-codec.js';
import { imageArtifactPaths, type ImageArtifactPaths } from './image-artifact-name.js';
import { type ImageInput, loadImage } from './image-input.js';
import { encodeWebpLossless } from './webp-lossless.js';
import jpeg from 'jpeg-js';

/** Options of `logImage`: either `artifactFile` (one static image) or `key` (a series over steps). */
export interface LogImageOptions {
  /** A series name (MLflow's `key`); images of one key are shown with a step slider. */
  key?: string;
  /** Step of this image in its series (default 0). */
  step?: number;
  /** Milliseconds since the epoch (default now). */
  timestamp?: number;
  /** Save as this single artifact instead (cannot be combined with key, step or timestamp). */
  artifactFile?: string;
}

/** What was written: the artifact paths. */
export type LoggedImage = { artifactFile: string } | ImageArtifactPaths;

/** Run tag MLflow's UI checks before it looks for image series. */
export const LOGGED_IMAGES_TAG = 'mlflow.loggedImages';

/**
 * Logs an image into a run the way MLflow's `log_image` does. With a `key`, the full image is stored
 * as PNG under `images/` with MLflow's series name, a 256-px WebP thumbnail beside it, and the run is
 * tagged `mlflow.loggedImages`, so MLflow's UI and labbook's show the same step slider.
 */
export async function logImageToRun(client: Client, runId: string, image: ImageInput, options: LogImageOptions): Promise<LoggedImage> {
  const { key, step, timestamp, artifactFile } = options;
  if ((artifactFile === undefined) === (key === undefined)) {
    throw invalidParameter('Specify exactly one of `artifactFile` or `key`.', { field: 'key' });
  }
  if (artifactFile !== undefined && (step !== undefined || timestamp !== undefined)) {
    throw invalidParameter('`step` and `timestamp` go with `key`, not with `artifactFile`.', { field: 'artifact_file' });
  }
  if (step !== undefined && !Number.isSafeInteger(step)) throw invalidParameter(`step must be an integer, got ${step}.`, { field: 'step' });
  if (timestamp !== undefined && !(Number.isSafeInteger(timestamp) && timestamp >= 0)) {
    throw invalidParameter(`timestamp must be a non-negative integer (ms), got ${timestamp}.`, { field: 'timestamp' });
  }
  const paths = key !== undefined ? imageArtifactPaths(key, step ?? 0, timestamp ?? Date.now()) : undefined;
  const loaded = await loadImage(image);
  if (artifactFile !== undefined) {
    const ext = /\.(png|jpe?g)$/i.exec(artifactFile)?.[1]?.toLowerCase();
    if (!ext) throw invalidParameter(`Image artifacts end in .png, .jpg or .jpeg: '${artifactFile}'.`, { field: 'artifact_file' });
    const wanted = ext === 'png' ? 'png' : 'jpeg';
    const bytes =
      loaded.encoded?.format === wanted
        ? loaded.encoded.bytes
        : wanted === 'png'
          ? encodePng(loaded)
          : new Uint8Array(jpeg.encode({ data: loaded.data, width: loaded.width, height: loaded.height }, 90).data);
    await client.logImage(runId, bytes, artifactFile);
    return { artifactFile };
  }
  const full = loaded.encoded?.format === 'png' ? loaded.encoded.bytes : encodePng(loaded);
  const thumb = thumbnail(loaded, 256);
  const webp = encodeWebpLossless(thumb.data, thumb.width, thumb.height);
  await Promise.all([client.logImage(runId, full, paths!.image), client.logImage(runId, webp, paths!.compressed)]);
  await client.setTag(runId, LOGGED_IMAGES_TAG, 'True');
  return paths!;
}
