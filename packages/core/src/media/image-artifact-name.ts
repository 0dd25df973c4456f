import { randomInt, randomUUID } from 'node:crypto';
import { invalidParameter } from '../errors.js';

/** MLflow's pattern for image keys (`log_image(key=…)`). */
export const IMAGE_KEY_PATTERN = /^[a-zA-Z0-9_\-./ ]+$/;

/** Checks an image key: MLflow's characters, and no empty, `.` or `..` segment that could leave `images/`. */
export function validateImageKey(key: unknown): string {
  if (typeof key !== 'string' || !IMAGE_KEY_PATTERN.test(key)) {
    throw invalidParameter(
      `Invalid image key ${JSON.stringify(key)}: keys may only contain alphanumerics, underscores, dashes, periods, spaces and slashes.`,
      { field: 'key' },
    );
  }
  const segments = key.split('/');
  if (key.startsWith('/') || segments.some((s) => s === '..' || s === '.')) {
    throw invalidParameter(`Invalid image key '${key}': it may not be absolute or contain '.' or '..' segments.`, { field: 'key' });
  }
  return key;
}

/** A uuid4 whose first character is a letter g–z, as MLflow makes them (never read as a hex step). */
export function imageUuid(): string {
  return String.fromCharCode(0x67 + randomInt(20)) + randomUUID().slice(1);
}

/** The two artifact paths MLflow (>= 2.12) writes for one image of a series. */
export interface ImageArtifactPaths {
  image: string;
  compressed: string;
}

/** `images/<key with / as #>%step%<step>%timestamp%<ts>%<uuid>.png` and its `%compressed.webp` thumbnail. */
export function imageArtifactPaths(key: string, step: number, timestamp: number, uuid: string = imageUuid()): ImageArtifactPaths {
  const base = `images/${validateImageKey(key).replace(/\//g, '#')}%step%${step}%timestamp%${timestamp}%${uuid}`;
  return { image: `${base}.png`, compressed: `${base}%compressed.webp` };
}

/** One image of a series, as read back from its file name. */
export interface ParsedImageArtifact {
  key: string;
  step: number;
  timestamp: number;
  uuid: string;
  compressed: boolean;
}

const NAME = /^(.+)%step%(-?\d+)%timestamp%(\d+)%([^%/]+?)(%compressed)?\.(png|webp)$/;

/** Parses a file name (or `images/…` path) written by `logImage` or MLflow; `null` for other files. */
export function parseImageArtifactName(path: string): ParsedImageArtifact | null {
  const name = path.startsWith('images/') ? path.slice('images/'.length) : path;
  const m = NAME.exec(name);
  if (!m) return null;
  return { key: m[1]!.replace(/#/g, '/'), step: Number(m[2]), timestamp: Number(m[3]), uuid: m[4]!, compressed: m[5] !== undefined };
}
