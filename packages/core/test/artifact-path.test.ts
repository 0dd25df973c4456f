import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  artifactBodyBuffer,
  artifactBodyStream,
  artifactContentType,
  LabbookError,
  normalizeArtifactFilePath,
  normalizeArtifactPath,
} from '../src/index.js';

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

describe('artifact bodies and content types', () => {
  it('keeps in-memory bodies as Buffers over the same bytes and streams everything', async () => {
    const bytes = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
    const view = artifactBodyBuffer(bytes)!;
    expect([...view]).toEqual([2, 3]);
    expect(view.buffer).toBe(bytes.buffer);
    expect(artifactBodyBuffer('héllo')!.toString('utf8')).toBe('héllo');
    const readable = Readable.from([Buffer.from('a')]);
    expect(artifactBodyBuffer(readable)).toBeUndefined();
    expect(artifactBodyStream(readable)).toBe(readable);
    async function* parts() {
      yield new Uint8Array([104, 105]);
      yield new Uint8Array([33]);
    }
    for (const [body, text] of [
      ['text', 'text'],
      [Buffer.from('buf'), 'buf'],
      [parts(), 'hi!'],
    ] as const) {
      const chunks: Buffer[] = [];
      for await (const c of artifactBodyStream(body)) chunks.push(Buffer.from(c));
      expect(Buffer.concat(chunks).toString()).toBe(text);
    }
  });

  it('names the MIME type of common artifact kinds by extension only', () => {
    expect(artifactContentType('model/MLmodel')).toBeUndefined();
    expect(artifactContentType('plots/ROC.PNG')).toBe('image/png');
    expect(artifactContentType('a.b/metrics.json')).toBe('application/json');
    expect(artifactContentType('conf/.yaml')).toBeUndefined();
    expect(artifactContentType('data.csv')).toBe('text/csv');
    expect(artifactContentType('archive.tar.gz')).toBe('application/gzip');
  });
});
