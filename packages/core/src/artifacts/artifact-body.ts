import { Readable } from 'node:stream';
import type { ArtifactBody } from '../interfaces/artifact-repository.js';

/**
 * An in-memory body (string as UTF-8, or bytes) as a Buffer over the same memory, or undefined for a
 * stream. SDKs send a Buffer in one request with its length known, where a stream needs chunking.
 */
export function artifactBodyBuffer(body: ArtifactBody): Buffer | undefined {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

/** Any {@link ArtifactBody} as a Node stream (a Readable as it is, anything else wrapped). */
export function artifactBodyStream(body: ArtifactBody): Readable {
  const bytes = artifactBodyBuffer(body);
  if (bytes) return Readable.from([bytes]);
  return body instanceof Readable ? body : Readable.from(body as AsyncIterable<Uint8Array>);
}
