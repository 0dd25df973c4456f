import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ArtifactBody,
  type ArtifactRepository,
  downloadToLocal,
  type FileInfo,
  LabbookError,
  notFound,
  type TransferPlan,
  uploadLocalDir,
} from '../src/index.js';

/** Files by path, folders implied by them or listed empty; counts the lists in flight at once. */
class TreeRepository implements ArtifactRepository {
  readonly rootUri = 'tree://test';
  listsInFlight = 0;
  maxListsInFlight = 0;
  constructor(
    private readonly files: Record<string, string>,
    private readonly emptyFolders: string[] = [],
    private readonly override?: (path: string) => FileInfo[] | undefined,
  ) {}
  async put(_path: string, body: ArtifactBody): Promise<void> {
    // Read what was sent, as a repository would (an unread file stream would open after the test).
    if (body instanceof Readable) for await (const _ of body);
  }
  async get(path: string): Promise<Readable> {
    const text = this.files[path];
    if (text === undefined) throw notFound(`no ${path}`);
    return Readable.from([Buffer.from(text)]);
  }
  async list(path = ''): Promise<FileInfo[]> {
    this.listsInFlight++;
    this.maxListsInFlight = Math.max(this.maxListsInFlight, this.listsInFlight);
    await new Promise((r) => setTimeout(r, 5));
    this.listsInFlight--;
    const overridden = this.override?.(path);
    if (overridden) return overridden;
    const prefix = path === '' ? '' : `${path}/`;
    const children = new Map<string, FileInfo>();
    for (const p of [...Object.keys(this.files), ...this.emptyFolders.map((f) => `${f}/`)]) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (rest === '') continue;
      const name = slash === -1 ? rest : rest.slice(0, slash);
      const child = prefix + name;
      children.set(child, slash === -1 ? { path: child, isDir: false, fileSize: this.files[p]!.length } : { path: child, isDir: true });
    }
    return [...children.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  }
  async delete(): Promise<void> {}
}

const made: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'labbook-transfer-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('downloadToLocal', () => {
  const files: Record<string, string> = {
    'model/MLmodel': 'flavors: {}',
    'model/data/w.bin': 'weights',
    'plots/a/b/c.txt': 'deep',
    'top.txt': 'top',
  };
  for (let i = 0; i < 12; i++) files[`many/d${i}/f.txt`] = `file ${i}`;

  it('keeps the layout, recreates empty folders, and lists the folders of a level in parallel', async () => {
    const repo = new TreeRepository(files, ['empty', 'model/empty']);
    const dst = tempDir();
    expect(await downloadToLocal(repo, '', dst, { concurrency: 4 })).toBe(dst);
    for (const [path, text] of Object.entries(files)) expect(readFileSync(join(dst, ...path.split('/')), 'utf8')).toBe(text);
    expect(statSync(join(dst, 'empty')).isDirectory()).toBe(true);
    expect(readdirSync(join(dst, 'model', 'empty'))).toEqual([]);
    expect(repo.maxListsInFlight).toBeGreaterThan(1);
    expect(repo.maxListsInFlight).toBeLessThanOrEqual(4);
  });

  it('downloads a sub-folder or a single file', async () => {
    const repo = new TreeRepository(files);
    const dst = tempDir();
    expect(await downloadToLocal(repo, 'plots/a', dst)).toBe(join(dst, 'plots', 'a'));
    expect(readFileSync(join(dst, 'plots', 'a', 'b', 'c.txt'), 'utf8')).toBe('deep');
    expect(readFileSync(await downloadToLocal(repo, 'model/MLmodel', dst), 'utf8')).toBe('flavors: {}');
    await expect(downloadToLocal(repo, 'nothing/here', dst)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('refuses a listing that names something outside the folder listed (it would loop or escape)', async () => {
    const loops = new TreeRepository(files, [], (path) => (path === 'model' ? [{ path: 'model', isDir: true }] : undefined));
    const error = await downloadToLocal(loops, 'model', tempDir()).catch((e) => e);
    expect(LabbookError.is(error) && error.code).toBe('INTERNAL_ERROR');
    const escapes = new TreeRepository(files, [], (path) => (path === 'plots' ? [{ path: 'plots/../../x', isDir: false }] : undefined));
    await expect(downloadToLocal(escapes, 'plots', tempDir())).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });

  it('refuses a root listing that names the root itself (it would loop)', async () => {
    const loops = new TreeRepository(files, [], (path) => (path === '' ? [{ path: '', isDir: true }] : undefined));
    const error = await Promise.race([
      downloadToLocal(loops, '', tempDir()).catch((e) => e),
      new Promise((r) => setTimeout(() => r('timeout'), 2000)),
    ]);
    expect(LabbookError.is(error) && error.code).toBe('INTERNAL_ERROR');
  });

  // A store that follows `loop -> ..` lists the same folder again one level deeper, for ever.
  it('stops a listing that repeats itself one level deeper each time, naming the loop and what to do', async () => {
    const repo = new TreeRepository({}, [], (path) => {
      const prefix = path === '' ? '' : `${path}/`;
      return [
        { path: `${prefix}f.txt`, isDir: false, fileSize: 1 },
        { path: `${prefix}loop`, isDir: true },
      ];
    });
    const error = await Promise.race([
      downloadToLocal(repo, '', tempDir()).catch((e) => e),
      new Promise((r) => setTimeout(() => r('timeout'), 20000)),
    ]);
    expect(LabbookError.is(error) && error.code).toBe('INTERNAL_ERROR');
    expect((error as Error).message).toMatch(/repeats itself/);
    expect((error as Error).message).toMatch(/Remove the loop/);
  }, 30000);

  it('stops a listing that repeats itself wider each time (two loops) too', async () => {
    // Each level doubles: bounded by depth alone this would be 2^128 folders.
    // Answers without a timer, so a regression runs out of calls (and fails) rather than starving the test timeout.
    class Fast extends TreeRepository {
      calls = 0;
      override async list(path = ''): Promise<FileInfo[]> {
        if (++this.calls > 1_500_000) throw new RangeError('downloadToLocal did not stop a repeating listing');
        const prefix = path === '' ? '' : `${path}/`;
        return [
          { path: `${prefix}a`, isDir: true },
          { path: `${prefix}b`, isDir: true },
        ];
      }
    }
    const error = await downloadToLocal(new Fast({}), '', tempDir(), { concurrency: 64 }).catch((e) => e);
    expect(LabbookError.is(error) && error.code).toBe('INTERNAL_ERROR');
    expect((error as Error).message).toMatch(/repeats itself/);
  }, 60000);
});

describe('transfer plans', () => {
  const files: Record<string, string> = { 'a.txt': 'aaa', 'sub/b.txt': 'bbbbb', 'sub/deeper/c.txt': 'c' };

  it('a tree download announces its files and their total size before the first byte moves', async () => {
    const plans: TransferPlan[] = [];
    let bytesBeforePlan = 0;
    await downloadToLocal(new TreeRepository(files), '', tempDir(), {
      onPlan: (p) => plans.push(p),
      onProgress: () => {
        if (plans.length === 0) bytesBeforePlan++;
      },
    });
    expect(plans).toEqual([{ files: 3, bytesTotal: 9 }]);
    expect(bytesBeforePlan).toBe(0);
  });

  it('a listing without sizes gives a plan without a total; a single file, one file', async () => {
    const repo = new TreeRepository(files, [], (path) => (path === 'sub' ? [{ path: 'sub/b.txt', isDir: false }] : undefined));
    const plans: TransferPlan[] = [];
    await downloadToLocal(repo, 'sub', tempDir(), { onPlan: (p) => plans.push(p) });
    await downloadToLocal(repo, 'a.txt', tempDir(), { onPlan: (p) => plans.push(p) });
    expect(plans).toEqual([{ files: 1 }, { files: 1 }]);
  });

  it('a folder upload announces the local files and their total size', async () => {
    const src = tempDir();
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'x.bin'), Buffer.alloc(1000));
    writeFileSync(join(src, 'sub', 'y.bin'), Buffer.alloc(24));
    const plans: TransferPlan[] = [];
    const written = await uploadLocalDir(new TreeRepository({}), src, 'up', { onPlan: (p) => plans.push(p) });
    expect(written.sort()).toEqual(['up/sub/y.bin', 'up/x.bin']);
    expect(plans).toEqual([{ files: 2, bytesTotal: 1024 }]);
  });
});
