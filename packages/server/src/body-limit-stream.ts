import { Transform } from 'node:stream';
import { LabbookError } from '@labbook/core';

/**
 * A pass-through that fails with RESOURCE_EXHAUSTED (413) once more than `limit` bytes went through:
 * streamed uploads are never buffered, so their limit is counted on the way. `hint` is appended to the
 * message, to tell the client what to do about it.
 */
export function limitBytes(limit: number, what: string, hint?: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) {
        callback(
          new LabbookError('RESOURCE_EXHAUSTED', `Request body of ${what} exceeds ${limit} bytes${hint ? `. ${hint}` : ''}`, {
            field: 'body',
            limit,
          }),
        );
        return;
      }
      callback(null, chunk);
    },
  });
}
