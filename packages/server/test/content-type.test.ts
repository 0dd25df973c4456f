import { describe, expect, it } from 'vitest';
import { attachmentHeader, contentTypeOf } from '../src/content-type.js';

describe('artifact download headers', () => {
  it.each([
    ['model/MLmodel', 'text/plain; charset=utf-8'],
    ['logs/train.LOG', 'text/plain; charset=utf-8'],
    ['conf.yaml', 'text/plain; charset=utf-8'],
    ['table.csv', 'text/csv; charset=utf-8'],
    ['metrics.json', 'application/json'],
    ['plots/roc.png', 'image/png'],
    ['report.pdf', 'application/pdf'],
    // Never rendered as a page of the server's origin.
    ['page.html', 'application/octet-stream'],
    ['weights.bin', 'application/octet-stream'],
    ['a.csv/raw', 'application/octet-stream'],
    ['.yaml', 'application/octet-stream'],
  ])('%s is sent as %s', (path, type) => {
    expect(contentTypeOf(path)).toBe(type);
  });

  it('names the file in ASCII and in UTF-8', () => {
    expect(attachmentHeader('dir/résumé "v2".txt')).toBe(
      `attachment; filename="r_sum_ _v2_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.txt`,
    );
  });
});
