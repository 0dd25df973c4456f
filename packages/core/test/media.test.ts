import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabbookError } from '../src/errors.js';
import { imageArtifactPaths, imageUuid, parseImageArtifactName, validateImageKey } from '../src/media/image-artifact-name.js';
import { decodeImage, encodePng, sniffImageFormat, thumbnail } from '../src/media/image-codec.js';
import { loadImage } from '../src/media/image-input.js';
import { encodeWebpLossless } from '../src/media/webp-lossless.js';
import jpeg from 'jpeg-js';

function gradient(w: number, h: number): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) d.set([i % 256, (i * 7) % 256, (i * 13) % 256, i % 3 === 0 ? 128 : 255], i * 4);
  return d;
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return LabbookError.is(e) ? e.code : `untyped: ${e}`;
  }
  return 'no error';
};
const asyncCode = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
  } catch (e) {
    return LabbookError.is(e) ? e.code : `untyped: ${e}`;
  }
  return 'no error';
};

describe('image names', () => {
  it('follows MLflow: / → #, step, timestamp, a uuid starting g–z, a compressed webp beside', () => {
    const p = imageArtifactPaths('train/sample', 3, 1700000000000, 'gabc-1');
    expect(p).toEqual({
      image: 'images/train#sample%step%3%timestamp%1700000000000%gabc-1.png',
      compressed: 'images/train#sample%step%3%timestamp%1700000000000%gabc-1%compressed.webp',
    });
    expect(parseImageArtifactName(p.image)).toEqual({
      key: 'train/sample',
      step: 3,
      timestamp: 1700000000000,
      uuid: 'gabc-1',
      compressed: false,
    });
    expect(parseImageArtifactName(p.compressed)?.compressed).toBe(true);
    for (let i = 0; i < 50; i++) expect(imageUuid()).toMatch(/^[g-z][0-9a-f]{7}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseImageArtifactName('images/notes.txt')).toBeNull();
  });

  it('rejects keys that leave images/ or use other characters', () => {
    for (const bad of ['a/../b', '../x', '/abs', 'a/./b', 'a\\b', 'a%b', '', 'x\u0000'])
      expect(code(() => validateImageKey(bad))).toBe('INVALID_PARAMETER_VALUE');
    expect(validateImageKey('ok key/with.dots-and_x')).toBe('ok key/with.dots-and_x');
  });
});

describe('codecs', () => {
  it('round-trips PNG and decodes JPEG', () => {
    const rgba = gradient(9, 5);
    const png = encodePng({ width: 9, height: 5, data: rgba });
    expect(sniffImageFormat(png)).toBe('png');
    expect(decodeImage(png).data).toEqual(rgba);
    const jpg = new Uint8Array(jpeg.encode({ data: rgba, width: 9, height: 5 }, 90).data);
    expect(sniffImageFormat(jpg)).toBe('jpeg');
    expect(decodeImage(jpg)).toMatchObject({ format: 'jpeg', width: 9, height: 5 });
  });

  it('writes lossless WebP that dwebp decodes to the same pixels (when dwebp is installed)', () => {
    const rgba = gradient(37, 21);
    const webp = encodeWebpLossless(rgba, 37, 21);
    expect(Buffer.from(webp.subarray(0, 4)).toString()).toBe('RIFF');
    expect(Buffer.from(webp.subarray(8, 16)).toString()).toBe('WEBPVP8L');
    if (spawnSync('dwebp', ['-version']).status !== 0) return; // the format checks above still ran
    const dir = mkdtempSync(join(tmpdir(), 'webp-'));
    writeFileSync(join(dir, 'a.webp'), webp);
    execFileSync('dwebp', [join(dir, 'a.webp'), '-pam', '-o', join(dir, 'a.pam')], { stdio: 'ignore' });
    const pam = readFileSync(join(dir, 'a.pam'));
    expect(new Uint8Array(pam.subarray(pam.indexOf('ENDHDR\n') + 7))).toEqual(rgba);
  });

  it('thumbnails keep aspect ratio with the longer side at 256 and never enlarge', () => {
    expect(thumbnail({ width: 1024, height: 512, data: new Uint8Array(1024 * 512 * 4) })).toMatchObject({ width: 256, height: 128 });
    expect(thumbnail({ width: 100, height: 300, data: new Uint8Array(100 * 300 * 4) })).toMatchObject({ width: 85, height: 256 });
    expect(thumbnail({ width: 10, height: 10, data: new Uint8Array(400) }).width).toBe(10);
  });
});

describe('loadImage', () => {
  it('reads bytes, Buffers, paths and raw pixels', async () => {
    const rgba = gradient(4, 3);
    const png = encodePng({ width: 4, height: 3, data: rgba });
    const dir = mkdtempSync(join(tmpdir(), 'img-'));
    writeFileSync(join(dir, 'a.png'), png);
    expect((await loadImage(png)).data).toEqual(rgba);
    expect((await loadImage(Buffer.from(png))).data).toEqual(rgba);
    expect((await loadImage(join(dir, 'a.png'))).width).toBe(4);
    expect((await loadImage({ data: rgba, width: 4, height: 3 })).data).toEqual(rgba);
    expect((await loadImage({ data: new Uint8Array(12), width: 2, height: 2, channels: 3 })).data[3]).toBe(255);
  });

  it('rejects non-images and wrong pixel buffer sizes with typed errors', async () => {
    expect(await asyncCode(() => loadImage(new TextEncoder().encode('not an image at all')))).toBe('INVALID_PARAMETER_VALUE');
    expect(await asyncCode(() => loadImage({ data: new Uint8Array(10), width: 2, height: 2 }))).toBe('INVALID_PARAMETER_VALUE');
    expect(await asyncCode(() => loadImage({ data: new Uint8Array(0), width: 0, height: 2 }))).toBe('INVALID_PARAMETER_VALUE');
    expect(await asyncCode(() => loadImage('/nonexistent/x.png'))).toBe('INVALID_PARAMETER_VALUE');
    const truncated = encodePng({ width: 4, height: 3, data: gradient(4, 3) }).subarray(0, 30);
    expect(await asyncCode(() => loadImage(truncated))).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('artifact paths of image series', () => {
  it('accepts MLflow image names but still refuses traversal around them', async () => {
    const { normalizeArtifactFilePath } = await import('../src/artifacts/artifact-path.js');
    const name = 'images/a#b%step%1%timestamp%1700000000000%g23b6b63-3f40-4a12-bced-72ed0856d0cc.png';
    expect(normalizeArtifactFilePath(name)).toBe(name);
    expect(normalizeArtifactFilePath(`1/run/artifacts/${name}`)).toBe(`1/run/artifacts/${name}`);
    for (const bad of [`../${name}`, `/abs/${name}`, `a/%2e%2e/${name}`, `x;y/${name}`])
      expect(code(() => normalizeArtifactFilePath(bad))).toBe('INVALID_PARAMETER_VALUE');
    expect(code(() => normalizeArtifactFilePath('images/a#b.png'))).toBe('INVALID_PARAMETER_VALUE');
  });
});
