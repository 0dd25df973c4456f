import { readFile } from 'node:fs/promises';
import { invalidParameter } from '../errors.js';
import { decodeImage, type ImageFormat, type RgbaImage } from './image-codec.js';

/** Raw pixels: row-major, `channels` bytes a pixel (4 = RGBA, the default; 3 = RGB; 1 = grey). */
export interface RawPixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels?: 1 | 3 | 4;
}

/** What `logImage` accepts: PNG/JPEG bytes (a `Uint8Array` or `Buffer`), a path to such a file, or raw pixels. */
export type ImageInput = Uint8Array | string | RawPixels;

/** An image ready to store: its pixels, and the original bytes when they were given encoded. */
export interface LoadedImage extends RgbaImage {
  encoded?: { bytes: Uint8Array; format: ImageFormat };
}

function fromRaw(raw: RawPixels): LoadedImage {
  const { width, height } = raw;
  const channels = raw.channels ?? 4;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw invalidParameter(`Image width and height must be positive integers, got ${width}×${height}.`, { field: 'image' });
  }
  if (![1, 3, 4].includes(channels)) throw invalidParameter(`channels must be 1, 3 or 4, got ${channels}.`, { field: 'image.channels' });
  const expected = width * height * channels;
  if (raw.data.length !== expected) {
    throw invalidParameter(
      `Pixel buffer size does not match: ${width}×${height}×${channels} needs ${expected} bytes, got ${raw.data.length}.`,
      { field: 'image.data' },
    );
  }
  if (channels === 4) return { width, height, data: new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength) };
  const data = new Uint8Array(width * height * 4);
  for (let p = 0, q = 0; p < expected; p += channels, q += 4) {
    const r = raw.data[p]!;
    data[q] = r;
    data[q + 1] = channels === 3 ? raw.data[p + 1]! : r;
    data[q + 2] = channels === 3 ? raw.data[p + 2]! : r;
    data[q + 3] = 255;
  }
  return { width, height, data };
}

/** Reads and decodes any {@link ImageInput}; not an image or a wrong pixel count is an `INVALID_PARAMETER_VALUE` error. */
export async function loadImage(input: ImageInput): Promise<LoadedImage> {
  if (typeof input === 'string') {
    let bytes: Buffer;
    try {
      bytes = await readFile(input);
    } catch (error) {
      throw invalidParameter(`Cannot read image file '${input}': ${(error as Error).message}`, { field: 'image', cause: error });
    }
    return loadImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  if (input instanceof Uint8Array) {
    const decoded = decodeImage(input);
    return { width: decoded.width, height: decoded.height, data: decoded.data, encoded: { bytes: input, format: decoded.format } };
  }
  if (input && typeof input === 'object' && 'data' in input && 'width' in input && 'height' in input) return fromRaw(input);
  throw invalidParameter('Not an image: expected PNG/JPEG bytes, a file path, or { data, width, height } pixels.', { field: 'image' });
}
