import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertRealPathInside, containedPath } from '../src/uri.js';

describe('containedPath', () => {
  it('joins segments strictly below the root', () => {
    expect(containedPath('/store', 'exp', 'run')).toBe('/store/exp/run');
    expect(containedPath('/store', '..x')).toBe('/store/..x');
  });

  it('refuses the root itself, a way out, a sibling sharing the prefix, and NUL', () => {
    expect(() => containedPath('/store', '.')).toThrow(/leaves the store root/);
    expect(() => containedPath('/store', '..', 'etc')).toThrow(/leaves the store root/);
    expect(() => containedPath('/store', '../storefront')).toThrow(/leaves the store root/);
    expect(() => containedPath('/store', 'a\0b')).toThrow(/NUL/);
  });
});

describe('assertRealPathInside', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-file-uri-'));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'ok'), { recursive: true });
  mkdirSync(join(dir, 'outside'));
  symlinkSync(join(dir, 'outside'), join(root, 'link'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes real children, existing or not, and refuses a symlink out', () => {
    expect(() => assertRealPathInside(root, join(root, 'ok', 'new.txt'))).not.toThrow();
    expect(() => assertRealPathInside(root, join(root, 'link', 'new.txt'))).toThrow(/symlink/);
  });
});
