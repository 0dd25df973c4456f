import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type ArtifactRepository, safeArtifactRepository } from '@labbook/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectInvalid, expectNotFound } from '../assertions.js';
import type { ArtifactCapabilities } from '../capabilities.js';
import { uniqueName } from '../names.js';

/** Options of {@link describeArtifactRepository}. */
export interface ArtifactSuiteOptions {
  name: string;
  /** Returns a repository rooted at a fresh, empty location. */
  create: () => Promise<ArtifactRepository>;
  cleanup?: (repo: ArtifactRepository) => Promise<void>;
  capabilities?: ArtifactCapabilities;
  /**
   * Also round-trip one large file (e.g. 200 MiB) streamed from a generator and checked by SHA-256,
   * asserting that this process's memory grew by less than `rssGrowthLimit` bytes meanwhile.
   */
  largeFile?: { bytes: number; rssGrowthLimit: number; timeoutMs?: number };
  additionalTests?: (ctx: ArtifactSuiteContext) => void;
}

/** What artifact test groups receive. */
export interface ArtifactSuiteContext {
  /** The repository through core's path checks (`safeArtifactRepository`). */
  readonly repo: ArtifactRepository;
  /** The repository as the plugin made it. */
  readonly raw: ArtifactRepository;
  readonly options: ArtifactSuiteOptions;
}

/** Hostile paths every repository must refuse with INVALID_PARAMETER_VALUE (MLflow's traversal CVEs). */
export const HOSTILE_PATHS: readonly string[] = [
  '..',
  '../escape.txt',
  'a/../../escape.txt',
  '/etc/passwd',
  '%2e%2e%2fescape.txt',
  '%2e%2e/escape.txt',
  '%252e%252e%252fescape.txt',
  '..%2fescape.txt',
  '..\\..\\escape.txt',
  'a\\b.txt',
  'file.txt#fragment',
  'a;b.txt',
  'nul\u0000byte.txt',
  'line\nbreak.txt',
  'C:/Windows/win.ini',
];

/** Names that look suspicious but are legal and must work. */
export const LEGAL_ODD_PATHS: readonly string[] = [
  'a..b.txt',
  '.hidden',
  'v1.0/model.bin',
  'dots.../x.txt',
  'space name.txt',
  'ünïcode.txt',
];

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Creates the shared repository for the groups of the current `describe`. */
export function artifactSuiteContext(options: ArtifactSuiteOptions): ArtifactSuiteContext {
  let raw: ArtifactRepository | undefined;
  beforeAll(async () => {
    raw = await options.create();
  });
  afterAll(async () => {
    if (raw) await (options.cleanup ? options.cleanup(raw) : raw.close?.());
  });
  return {
    get raw() {
      if (!raw) throw new TypeError('[labbook] [testkit] the repository is only available inside tests');
      return raw;
    },
    get repo() {
      return safeArtifactRepository(this.raw);
    },
    options,
  };
}

/** put/get/list/delete, trees, listing semantics and streaming. */
export function artifactContractTests(ctx: ArtifactSuiteContext): void {
  describe('artifacts', () => {
    it('writes and reads files from strings, bytes and streams, replacing existing ones', async ({ expect }) => {
      const dir = uniqueName('rw');
      await ctx.repo.put(`${dir}/a.txt`, 'hello');
      await ctx.repo.put(`${dir}/b.bin`, new Uint8Array([0, 1, 2, 255]));
      await ctx.repo.put(`${dir}/c.txt`, Readable.from([Buffer.from('chunk1-'), Buffer.from('chunk2')]));
      expect((await readAll(await ctx.repo.get(`${dir}/a.txt`))).toString()).toBe('hello');
      expect([...(await readAll(await ctx.repo.get(`${dir}/b.bin`)))]).toEqual([0, 1, 2, 255]);
      expect((await readAll(await ctx.repo.get(`${dir}/c.txt`))).toString()).toBe('chunk1-chunk2');
      await ctx.repo.put(`${dir}/a.txt`, 'replaced');
      expect((await readAll(await ctx.repo.get(`${dir}/a.txt`))).toString()).toBe('replaced');
    });

    it('lists direct children only, relative to the root, sorted, with folders marked and sizes', async ({ expect }) => {
      const dir = uniqueName('list');
      await ctx.repo.put(`${dir}/model/MLmodel`, 'flavors: {}\n');
      await ctx.repo.put(`${dir}/model/data/weights.bin`, new Uint8Array(10));
      await ctx.repo.put(`${dir}/b.txt`, '12345');
      await ctx.repo.put(`${dir}/a.txt`, '1');
      const top = await ctx.repo.list(dir);
      expect(top.map((f) => [f.path, f.isDir])).toEqual([
        [`${dir}/a.txt`, false],
        [`${dir}/b.txt`, false],
        [`${dir}/model`, true],
      ]);
      expect(top.find((f) => f.path === `${dir}/b.txt`)?.fileSize).toBe(5);
      expect((await ctx.repo.list(`${dir}/model`)).map((f) => [f.path, f.isDir])).toEqual([
        [`${dir}/model/MLmodel`, false],
        [`${dir}/model/data`, true],
      ]);
      expect(await ctx.repo.list(`${dir}/a.txt`)).toEqual([]);
      expect(await ctx.repo.list(`${dir}/missing`)).toEqual([]);
      expect((await ctx.repo.list()).map((f) => f.path)).toContain(dir);
    });

    it('reports a missing file as RESOURCE_DOES_NOT_EXIST', async ({ expect }) => {
      await expectNotFound(expect, async () => readAll(await ctx.repo.get(`${uniqueName('missing')}/nothing.txt`)));
    });

    it('deletes a file and a whole tree; a missing path is not an error', async ({ expect }) => {
      const dir = uniqueName('delete');
      await ctx.repo.put(`${dir}/keep.txt`, 'k');
      await ctx.repo.put(`${dir}/tree/x.txt`, 'x');
      await ctx.repo.put(`${dir}/tree/deep/y.txt`, 'y');
      await ctx.repo.delete(`${dir}/tree`);
      expect((await ctx.repo.list(dir)).map((f) => f.path)).toEqual([`${dir}/keep.txt`]);
      await ctx.repo.delete(`${dir}/keep.txt`);
      expect(await ctx.repo.list(dir)).toEqual([]);
      await ctx.repo.delete(`${dir}/never-existed`);
    });

    it('streams a multi-megabyte body through and back unchanged, reporting progress', async ({ expect }) => {
      const path = `${uniqueName('big')}/blob.bin`;
      const size = 8 * 1024 * 1024;
      const hash = createHash('sha256');
      const source = Readable.from(
        (function* () {
          for (let i = 0; i < size / 65536; i++) {
            const chunk = Buffer.alloc(65536, i % 251);
            hash.update(chunk);
            yield chunk;
          }
        })(),
      );
      await ctx.repo.put(path, source, { size });
      const expected = hash.digest('hex');
      let seen = 0;
      const back = createHash('sha256');
      for await (const chunk of await ctx.repo.get(path, { onProgress: (p) => (seen = p.bytesDone) })) back.update(chunk as Uint8Array);
      expect(back.digest('hex')).toBe(expected);
      expect((await ctx.repo.list(path.split('/')[0])).find((f) => f.path === path)?.fileSize).toBe(size);
      expect(seen === 0 || seen === size).toBe(true);
    });

    it('loses nothing when a stream opened with a progress callback is read only later, and reports every byte', async ({ expect }) => {
      const dir = uniqueName('late');
      const bodies = { 'small.txt': Buffer.from('file 1\n'), 'mid.bin': Buffer.alloc(1024 * 1024 + 7, 7) };
      const local = await mkdtemp(join(tmpdir(), 'labbook-testkit-'));
      try {
        for (const [name, body] of Object.entries(bodies)) {
          const uploaded: number[] = [];
          await ctx.repo.put(`${dir}/${name}`, Readable.from([body]), { size: body.length, onProgress: (p) => uploaded.push(p.bytesDone) });
          expect(Math.max(0, ...uploaded)).toBe(body.length);
          const read: number[] = [];
          const stream = await ctx.repo.get(`${dir}/${name}`, { onProgress: (p) => read.push(p.bytesDone) });
          // A caller that does other work before reading (a folder to make, a file to open) must
          // still get every byte: reporting progress must not start the flow on its own.
          await new Promise((resolve) => setTimeout(resolve, 100));
          expect((await readAll(stream)).equals(body)).toBe(true);
          expect(Math.max(0, ...read)).toBe(body.length);
          if (ctx.repo.downloadFile) {
            const downloaded: number[] = [];
            await ctx.repo.downloadFile(`${dir}/${name}`, join(local, name), { onProgress: (p) => downloaded.push(p.bytesDone) });
            expect((await readFile(join(local, name))).equals(body)).toBe(true);
            expect(Math.max(0, ...downloaded)).toBe(body.length);
          }
        }
      } finally {
        await rm(local, { recursive: true, force: true });
      }
    });

    it('uploads and downloads through local files', async ({ expect }) => {
      const local = await mkdtemp(join(tmpdir(), 'labbook-testkit-'));
      try {
        await writeFile(join(local, 'in.txt'), 'from disk');
        const path = `${uniqueName('local')}/in.txt`;
        await ctx.repo.uploadFile!(join(local, 'in.txt'), path);
        await ctx.repo.downloadFile!(path, join(local, 'out.txt'));
        expect(await readFile(join(local, 'out.txt'), 'utf8')).toBe('from disk');
      } finally {
        await rm(local, { recursive: true, force: true });
      }
    });

    it.for(LEGAL_ODD_PATHS)('accepts the legal name %j', async (name, { expect }) => {
      const path = `${uniqueName('odd')}/${name}`;
      await ctx.repo.put(path, name);
      expect((await readAll(await ctx.repo.get(path))).toString()).toBe(name);
    });
  });
}

/** Hostile paths refused for every operation, and symlinks out of the root never followed. */
export function artifactPathSafetyTests(ctx: ArtifactSuiteContext): void {
  describe('path safety', () => {
    it.for(HOSTILE_PATHS)('refuses %j for put, get, list and delete', async (path, { expect }) => {
      const e = await expectInvalid(expect, () => ctx.repo.put(path, 'x'), 'Invalid path');
      expect(e.field).toBe('path');
      await expectInvalid(expect, () => ctx.repo.get(path), 'Invalid path');
      await expectInvalid(expect, () => ctx.repo.list(path), 'Invalid path');
      await expectInvalid(expect, () => ctx.repo.delete(path), 'Invalid path');
    });

    const symlinks = ctx.options.capabilities?.symlinks === true && ctx.options.capabilities.localRoot !== undefined;
    // Only repositories backed by a local folder the test can reach declare this capability.
    if (symlinks)
      it('never follows a symlink that leads out of the root', async ({ expect }) => {
        const root = ctx.options.capabilities!.localRoot!(ctx.raw);
        const outside = await mkdtemp(join(tmpdir(), 'labbook-outside-'));
        try {
          writeFileSync(join(outside, 'secret.txt'), 'secret');
          const dir = uniqueName('link');
          mkdirSync(join(root, dir), { recursive: true });
          symlinkSync(outside, join(root, dir, 'escape'));
          symlinkSync(join(outside, 'secret.txt'), join(root, dir, 'secret-link.txt'));
          const read = async (p: string) => readAll(await ctx.repo.get(p));
          await expect(read(`${dir}/escape/secret.txt`)).rejects.toThrow();
          await expect(read(`${dir}/secret-link.txt`)).rejects.toThrow();
          await expect(ctx.repo.put(`${dir}/escape/planted.txt`, 'x')).rejects.toThrow();
          // Listing through the link either fails or shows nothing; it never shows what is outside.
          expect(await ctx.repo.list(`${dir}/escape`).catch(() => [])).toEqual([]);
          expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
          await expect(readFile(join(outside, 'planted.txt'))).rejects.toThrow();
        } finally {
          await rm(outside, { recursive: true, force: true });
        }
      });
  });
}

/** A large file through `put` and `get` in bounded memory, checked by hash (see `largeFile`). */
export function artifactLargeFileTests(ctx: ArtifactSuiteContext, spec: NonNullable<ArtifactSuiteOptions['largeFile']>): void {
  const mib = Math.round(spec.bytes / 1024 / 1024);
  it(
    `round-trips ${mib} MiB streamed in bounded memory, checked by hash`,
    async ({ expect }) => {
      const path = `${uniqueName('large')}/blob.bin`;
      const sent = createHash('sha256');
      const chunk = 1024 * 1024;
      const source = Readable.from(
        (function* () {
          for (let done = 0, i = 0; done < spec.bytes; done += chunk, i++) {
            const c = Buffer.alloc(Math.min(chunk, spec.bytes - done), i % 251);
            sent.update(c);
            yield c;
          }
        })(),
      );
      const before = process.memoryUsage().rss;
      let peak = before;
      const watch = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 50);
      try {
        await ctx.repo.put(path, source, { size: spec.bytes });
        const got = createHash('sha256');
        for await (const c of await ctx.repo.get(path)) got.update(c as Buffer);
        expect(got.digest('hex')).toBe(sent.digest('hex'));
      } finally {
        clearInterval(watch);
      }
      expect((await ctx.repo.list(path.split('/')[0])).find((f) => f.path === path)?.fileSize).toBe(spec.bytes);
      expect(peak - before).toBeLessThan(spec.rssGrowthLimit);
    },
    spec.timeoutMs ?? 240_000,
  );
}

/** The conformance suite for an ArtifactRepository, including hostile paths. */
export function describeArtifactRepository(options: ArtifactSuiteOptions): void {
  describe(`ArtifactRepository conformance: ${options.name}`, () => {
    const ctx = artifactSuiteContext(options);
    artifactContractTests(ctx);
    artifactPathSafetyTests(ctx);
    if (options.largeFile) describe('large files', () => artifactLargeFileTests(ctx, options.largeFile!));
    options.additionalTests?.(ctx);
  });
}
