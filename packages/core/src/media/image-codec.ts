import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { invalidParameter } from '../errors.js';

/** Pixels of an image: row-major RGBA, 4 bytes a pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The formats `logImage` reads from bytes. */
export type ImageFormat = 'png' | 'jpeg';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format of encoded image bytes, by signature; `null` when they are neither PNG nor JPEG. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

// A 100-megapixel ceiling keeps a crafted header from making the decoder allocate gigabytes.
const MAX_PIXELS = 100_000_000;

/** Decodes PNG or JPEG bytes to RGBA; anything else is an `INVALID_PARAMETER_VALUE` error. */
export function decodeImage(bytes: Uint8Array): RgbaImage & { format: ImageFormat } {
  const format = sniffImageFormat(bytes);
  if (!format) throw invalidParameter('Not an image: expected PNG or JPEG bytes (checked by file signature).', { field: 'image' });
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return {
        format,
        width: png.width,
        height: png.height,
        data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength),
      };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    return { format, width: img.width, height: img.height, data: img.data };
  } catch (error) {
    throw invalidParameter(`Could not decode the ${format.toUpperCase()} image: ${(error as Error).message}`, {
      field: 'image',
      cause: error,
    });
  }
}

/** Encodes RGBA pixels as PNG (what MLflow stores at full resolution). */
export function encodePng(image: RgbaImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const out = PNG.sync.write(png);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Scales an image down so its longer side is at most `maxSide` (MLflow's thumbnail: PIL's
 * `thumbnail((256, 256))`, which keeps aspect ratio and never enlarges). Box filter: every source
 * pixel counts, so thin lines in plots do not vanish as they would with nearest-neighbour.
 */
export function thumbnail(image: RgbaImage, maxSide = 256): RgbaImage {
  const { width, height, data } = image;
  const scale = Math.min(1, maxSide / Math.max(width, height));
  if (scale === 1) return image;
  const tw = Math.max(1, Math.round(width * scale));
  const th = Math.max(1, Math.round(height * scale));
  const out = new Uint8Array(tw * th * 4);
  for (let ty = 0; ty < th; ty++) {
    const y0 = Math.floor((ty * height) / th);
    const y1 = Math.max(y0 + 1, Math.floor(((ty + 1) * height) / th));
    for (let tx = 0; tx < tw; tx++) {
      const x0 = Math.floor((tx * width) / tw);
      const x1 = Math.max(x0 + 1, Math.floor(((tx + 1) * width) / tw));
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * width + x) * 4;
          r += data[i]!;
          g += data[i + 1]!;
          b += data[i + 2]!;
          a += data[i + 3]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (ty * tw + tx) * 4;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
      out[o + 3] = Math.round(a / n);
    }
  }
  return { width: tw, height: th, data: out };
}
