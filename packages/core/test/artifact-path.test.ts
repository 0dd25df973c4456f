import { describe, expect, it } from 'vitest';
import { LabbookError, normalizeArtifactFilePath, normalizeArtifactPath } from '../src/index.js';

describe('normalizeArtifactPath', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['model/MLmodel', 'model/MLmodel'],
    ['a//b/./c/', 'a/b/c'],
    ['a..b', 'a..b'],
    ['.hidden', '.hidden'],
    ['v1.0/model', 'v1.0/model'],
    ['100%.txt', '100%.txt'],
    ['caf%C3%A9', 'caf%C3%A9'],
  ])('keeps %j as %j', (input, expected) => {
    expect(normalizeArtifactPath(input)).toBe(expected);
  });

  it.each([
    '..',
    '../x',
    'a/../../b',
    '/etc/passwd',
    '~/x',
    'C:/Windows',
    '%2e%2e%2fetc',
    '%252e%252e%252fsecret',
    '%25252e%25252e/x',
    '..\\..\\x',
    'a\\b',
    'a#b',
    'a;b',
    'a\u0000b',
    'a\nb',
    '%2fetc%2fpasswd',
    'a%5c..%5cb',
    'x/%2e%2e',
  ])('rejects %j with INVALID_PARAMETER_VALUE naming the field', (input) => {
    try {
      normalizeArtifactPath(input, 'artifact_path');
      expect.unreachable();
    } catch (error) {
      expect(LabbookError.is(error)).toBe(true);
      expect((error as LabbookError).code).toBe('INVALID_PARAMETER_VALUE');
      expect((error as LabbookError).field).toBe('artifact_path');
      expect((error as LabbookError).message).toContain('Invalid path');
    }
  });

  it('refuses paths still encoded after 10 rounds', () => {
    let p = '%2e';
    for (let i = 0; i < 11; i++) p = p.replaceAll('%', '%25');
    expect(() => normalizeArtifactPath(p)).toThrow(/10 rounds/);
  });

  it('requires a file for file paths', () => {
    expect(() => normalizeArtifactFilePath('')).toThrow(/file path is required/);
    expect(normalizeArtifactFilePath('a/b.txt')).toBe('a/b.txt');
  });
});
