import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  type ArtifactBody,
  type ArtifactRepository,
  artifactBodyBuffer,
  artifactBodyStream,
  artifactContentType,
  type FileInfo,
  joinArtifactPath,
  normalizeArtifactPath,
  notFound,
  type TransferOptions,
  withProgress,
  writeFileFromStream,
} from '@labbook/core/plugin';
import { MSG } from './constants.js';
import { type ResolvedS3Options, type S3ArtifactRepositoryOptions, resolveS3Options } from './options.js';
import { s3Error } from './errors.js';
import { parseR2Uri, parseS3Uri } from './uri.js';

type ClientModule = typeof import('@aws-sdk/client-s3');

/**
 * Artifacts in an S3 bucket under a key prefix (`s3://bucket/prefix`). Uploads go through the SDK's
 * managed upload (multipart with parallel parts for large bodies, aborted on failure so no partial
 * object is left), downloads and listings stream, and the SDK client is created on first use.
 */
export class S3ArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly options: ResolvedS3Options;
  private clientPromise?: Promise<{ client: S3Client; sdk: ClientModule }>;
  private readonly injected?: S3Client;

  constructor(uri: string, options: S3ArtifactRepositoryOptions = {}) {
    const { bucket, prefix, endpoint } = /^r2:/i.test(uri) ? parseR2Uri(uri) : parseS3Uri(uri);
    this.rootUri = uri.replace(/\/+$/, '');
    this.bucket = bucket;
    this.prefix = prefix;
    this.options = resolveS3Options(options, endpoint);
    if (options.client) this.injected = options.client;
  }

  private sdk(): Promise<{ client: S3Client; sdk: ClientModule }> {
    this.clientPromise ??= (async () => {
      const sdk = await import('@aws-sdk/client-s3');
      if (this.injected) return { client: this.injected, sdk };
      const o = this.options;
      let requestHandler: unknown;
      if (o.ignoreTls) {
        const { Agent } = await import('node:https');
        const { NodeHttpHandler } = await import('@smithy/node-http-handler');
        requestHandler = new NodeHttpHandler({ httpsAgent: new Agent({ rejectUnauthorized: false }) });
      }
      const client = new sdk.S3Client({
        region: o.region,
        forcePathStyle: o.forcePathStyle,
        maxAttempts: o.maxAttempts,
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        ...(o.credentials ? { credentials: o.credentials } : {}),
        // Unsigned: requests leave as built, and no credential chain is searched for keys not needed.
        ...(o.unsigned
          ? { signer: { sign: async (request: unknown) => request } as never, credentials: { accessKeyId: '', secretAccessKey: '' } }
          : {}),
        ...(o.checksums ? { requestChecksumCalculation: o.checksums, responseChecksumValidation: o.checksums } : {}),
        ...(requestHandler ? { requestHandler: requestHandler as never } : {}),
      });
      const owner = o.expectedBucketOwner;
      if (owner) {
        // Every command this repository sends (and the managed upload's part commands) takes
        // ExpectedBucketOwner: set it once here instead of on each call.
        client.middlewareStack.add(
          (next) => (args) => {
            const input = args.input as { ExpectedBucketOwner?: string };
            input.ExpectedBucketOwner ??= owner;
            return next(args);
          },
          { step: 'initialize', name: 'labbookExpectedBucketOwner' },
        );
      }
      return { client, sdk };
    })();
    return this.clientPromise;
  }

  /** The object key of a repository path, checked to stay under the prefix. */
  key(path: string): string {
    return joinArtifactPath(this.prefix, normalizeArtifactPath(path));
  }

  private describe(path: string): string {
    const relative = normalizeArtifactPath(path);
    return relative === '' ? this.rootUri : `${this.rootUri}/${relative}`;
  }

  async put(path: string, body: ArtifactBody, options: TransferOptions = {}): Promise<void> {
    const { client } = await this.sdk();
    const { Upload } = await import('@aws-sdk/lib-storage');
    const key = this.key(path);
    const contentType = options.contentType ?? artifactContentType(path);
    const upload = new Upload({
      client,
      queueSize: this.options.queueSize,
      partSize: this.options.partSize,
      leavePartsOnError: false,
      params: {
        ...this.options.uploadExtraArgs,
        Bucket: this.bucket,
        Key: key,
        Body: artifactBodyBuffer(body) ?? artifactBodyStream(body),
        ...(contentType ? { ContentType: contentType } : {}),
      },
    });
    if (options.onProgress) {
      upload.on('httpUploadProgress', (p) =>
        options.onProgress?.({
          path,
          bytesDone: p.loaded ?? 0,
          ...((p.total ?? options.size) !== undefined ? { bytesTotal: p.total ?? options.size } : {}),
        }),
      );
    }
    const abort = () => void upload.abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } catch (error) {
      throw s3Error('upload to', this.describe(path), error);
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
  }

  async get(path: string, options: Pick<TransferOptions, 'signal' | 'onProgress'> = {}): Promise<Readable> {
    const { client, sdk } = await this.sdk();
    let response: import('@aws-sdk/client-s3').GetObjectCommandOutput;
    try {
      response = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }), {
        ...(options.signal ? { abortSignal: options.signal } : {}),
      });
    } catch (error) {
      const wrapped = s3Error('download of', this.describe(path), error);
      if (wrapped.code === 'RESOURCE_DOES_NOT_EXIST') throw notFound(`${MSG} no artifact at ${this.describe(path)}`, { cause: error });
      throw wrapped;
    }
    return withProgress(response.Body as Readable, path, response.ContentLength, options.onProgress);
  }

  async list(path = ''): Promise<FileInfo[]> {
    const { client, sdk } = await this.sdk();
    const dirKey = this.key(path);
    const listPrefix = dirKey === '' ? '' : `${dirKey}/`;
    const rootPrefix = this.prefix === '' ? '' : `${this.prefix}/`;
    const out: FileInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: listPrefix,
            Delimiter: '/',
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const p of page.CommonPrefixes ?? []) {
          if (p.Prefix) out.push({ path: p.Prefix.slice(rootPrefix.length).replace(/\/$/, ''), isDir: true });
        }
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key === listPrefix) continue;
          out.push({ path: o.Key.slice(rootPrefix.length), isDir: false, fileSize: o.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw s3Error('listing of', `s3://${this.bucket}/${listPrefix}`, error);
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path = ''): Promise<void> {
    const { client, sdk } = await this.sdk();
    const base = this.key(path);
    const keys: string[] = [];
    let token: string | undefined;
    try {
      // The object itself (a file) and everything under it (a folder).
      do {
        const page = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: base === '' ? '' : base,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const o of page.Contents ?? []) if (o.Key && (base === '' || o.Key === base || o.Key.startsWith(`${base}/`))) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        await client.send(
          new sdk.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
      }
    } catch (error) {
      throw s3Error('delete of', this.describe(path), error);
    }
  }

  async uploadFile(localFile: string, path: string, options: TransferOptions = {}): Promise<void> {
    const { size } = await stat(localFile);
    await this.put(path, createReadStream(localFile, { highWaterMark: 1024 * 1024 }), { ...options, size });
  }

  async downloadFile(path: string, localFile: string, options: TransferOptions = {}): Promise<void> {
    await writeFileFromStream(() => this.get(path, options), localFile);
  }

  async close(): Promise<void> {
    if (!this.clientPromise || this.injected) return;
    (await this.clientPromise).client.destroy();
  }
}
