import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabbookError } from '../src/errors.js';
import {
  isFileUri,
  isInside,
  isLocalPathUri,
  isRealPathInside,
  localPathFromUri,
  localPathIfLocal,
  realPathOf,
} from '../src/uri/local-path.js';

describe('isFileUri / isLocalPathUri', () => {
  it('matches the file scheme in any letter case (RFC 3986)', () => {
    for (const uri of ['file:///x', 'FILE:///x', 'File:rel', 'fIlE://localhost/x']) expect(isFileUri(uri)).toBe(true);
    for (const uri of ['/x', 'files:///x', 's3://b/file:x', 'filex']) expect(isFileUri(uri)).toBe(false);
  });

  it('counts bare paths, Windows drive paths and file: URIs as local, other schemes not', () => {
    for (const uri of ['mlruns', './x', '/x', '~/x', 'C:\\data', 'c:/data', 'FILE:/x']) expect(isLocalPathUri(uri)).toBe(true);
    for (const uri of ['s3://b/k', 'runs:/abc/model', 'models:/m/1', 'mlflow-artifacts:/x', 'HTTP://h/x']) {
      expect(isLocalPathUri(uri)).toBe(false);
    }
  });
});

describe('localPathFromUri', () => {
  it('reads file:///abs and file://localhost/abs as URLs', () => {
    expect(localPathFromUri('file:///tmp/x')).toBe('/tmp/x');
    expect(localPathFromUri('file://localhost/tmp/x')).toBe('/tmp/x');
  });

  it('takes an upper-case FILE: scheme like file:', () => {
    expect(localPathFromUri('FILE:///tmp/x')).toBe('/tmp/x');
    expect(localPathFromUri('File://LOCALHOST/tmp/x')).toBe('/tmp/x');
    expect(localPathFromUri('FILE:rel/x')).toBe(resolve('rel/x'));
    expect(localPathFromUri('FILE:/tmp/x')).toBe('/tmp/x');
  });

  it('percent-decodes file: URIs but takes bare paths literally', () => {
    expect(localPathFromUri('file:///tmp/a%20b/%C3%A9')).toBe('/tmp/a b/é');
    expect(localPathFromUri('file:a%23b')).toBe(resolve('a#b'));
    expect(localPathFromUri('/tmp/a%20b')).toBe('/tmp/a%20b');
  });

  it('resolves .. segments, encoded or not, to a normalised absolute path', () => {
    expect(localPathFromUri('file:///tmp/a/../b')).toBe('/tmp/b');
    expect(localPathFromUri('file:///tmp/a/%2e%2e/b')).toBe('/tmp/b');
    expect(localPathFromUri('file:a/%2E%2E/b')).toBe(resolve('b'));
    expect(localPathFromUri('/tmp/a/../../b')).toBe('/b');
  });

  it('reads relative forms from the working directory, or from base', () => {
    expect(localPathFromUri('file:rel/x')).toBe(resolve('rel/x'));
    expect(localPathFromUri('./mlruns')).toBe(resolve('mlruns'));
    expect(localPathFromUri('mlruns')).toBe(resolve('mlruns'));
    expect(localPathFromUri('file:data', { base: '/proj' })).toBe('/proj/data');
    expect(localPathFromUri('data', { base: '/proj' })).toBe('/proj/data');
    expect(localPathFromUri('file:///abs', { base: '/proj' })).toBe('/abs');
  });

  it('reads ~ and ~/x as the home folder, but not ~user or file:~', () => {
    expect(localPathFromUri('~')).toBe(homedir());
    expect(localPathFromUri('~/mlruns')).toBe(join(homedir(), 'mlruns'));
    expect(localPathFromUri('~user/x')).toBe(resolve('~user/x'));
    expect(localPathFromUri('file:~/x')).toBe(resolve('~/x'));
  });

  it('refuses a remote host and a malformed escape with INVALID_PARAMETER_VALUE naming the field', () => {
    for (const uri of ['file://otherhost/x', 'file:a%zz', 'FILE:///a%E0%A4']) {
      let caught: unknown;
      try {
        localPathFromUri(uri, { field: 'artifact_uri' });
      } catch (error) {
        caught = error;
      }
      expect(caught, uri).toBeInstanceOf(LabbookError);
      expect((caught as LabbookError).code).toBe('INVALID_PARAMETER_VALUE');
      expect((caught as LabbookError).message).toContain('artifact_uri');
    }
  });

  it('localPathIfLocal gives undefined for other schemes', () => {
    expect(localPathIfLocal('s3://b/k')).toBeUndefined();
    expect(localPathIfLocal('runs:/abc/model')).toBeUndefined();
    expect(localPathIfLocal('FILE:///x')).toBe('/x');
    expect(localPathIfLocal('model')).toBe(resolve('model'));
  });
});

describe('isInside', () => {
  it('holds for the root itself and paths below it', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/')).toBe(true);
    expect(isInside('/a/b', '/a/b/c/d')).toBe(true);
    expect(isInside('/a/b', '/a/b/..c')).toBe(true);
  });

  it('is not fooled by a shared string prefix or by .. segments', () => {
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a/b-other/x')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/a/b', '/a/b/../c')).toBe(false);
    expect(isInside('/a/b', '/a/b/c/../../bc')).toBe(false);
    expect(isInside('/a/b', '/x/y')).toBe(false);
  });
});

describe('isRealPathInside / realPathOf', () => {
  const dir = realPathOf(mkdtempSync(join(tmpdir(), 'labbook-local-path-')));
  const root = join(dir, 'root');
  const outside = join(dir, 'outside');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(outside);
  symlinkSync(outside, join(root, 'escape'));
  symlinkSync(root, join(dir, 'root-link'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('follows a symlink planted under the root out of it, also for paths not created yet', () => {
    expect(isInside(root, join(root, 'escape', 'x'))).toBe(true);
    expect(isRealPathInside(root, join(root, 'escape'))).toBe(false);
    expect(isRealPathInside(root, join(root, 'escape', 'new', 'file'))).toBe(false);
    expect(realPathOf(join(root, 'escape', 'new'))).toBe(join(outside, 'new'));
  });

  it('accepts real children, and a root reached through a link', () => {
    expect(isRealPathInside(root, join(root, 'sub', 'not-yet'))).toBe(true);
    expect(isRealPathInside(join(dir, 'root-link'), join(root, 'sub'))).toBe(true);
    expect(isRealPathInside(root, join(dir, 'root-link', 'sub'))).toBe(true);
  });

  it('keeps the prefix trap closed on real paths', () => {
    mkdirSync(`${root}c`, { recursive: true });
    expect(isRealPathInside(root, `${root}c`)).toBe(false);
  });
});
