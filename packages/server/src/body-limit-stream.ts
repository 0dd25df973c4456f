import { Transform } from 'node:stream';
import { LabbookError } from '@labbook/core';

/**
 * A pass-through that fails with RESOURCE_EXHAUSTED (413) once more than `limit` bytes went through:
 * streamed uploads are never buffered, so their limit is counted on the way.
 */
export function limitBytes(limit: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) {
        callback(new LabbookError('RESOURCE_EXHAUSTED', `Request body of ${what} exceeds ${limit} bytes`, { field: 'body', limit }));
        return;
      }
      callback(null, chunk);
    },
  });
}
