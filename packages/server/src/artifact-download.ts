import type { ArtifactRepository } from '@labbook/core';
import type { FastifyReply } from 'fastify';
import { attachmentHeader, contentTypeOf } from './content-type.js';

/** Streams one artifact to the client as an attachment, with `nosniff`. */
export async function sendArtifact(reply: FastifyReply, repo: ArtifactRepository, path: string): Promise<FastifyReply> {
  const stream = await repo.get(path);
  return reply
    .header('content-type', contentTypeOf(path))
    .header('x-content-type-options', 'nosniff')
    .header('content-disposition', attachmentHeader(path))
    .header('cache-control', 'no-store')
    .send(stream);
}
