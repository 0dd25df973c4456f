import { rename, rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import {
  type ArtifactBody,
  type ArtifactRepository,
  artifactBodyStream,
  artifactContentType,
  type FileInfo,
  forEachBounded,
  invalidParameter,
  joinArtifactPath,
  normalizeArtifactPath,
  notFound,
  type TransferOptions,
  withProgress,
} from '@labbook/core/plugin';
import type { AzureBlobArtifactRepositoryOptions } from './options.js';
import { azureError } from './errors.js';
import { MSG } from './constants.js';
import { parseWasbsUri } from './uri.js';

/**
 * Artifacts in an Azure Blob container under a name prefix, for MLflow's
 * `wasbs://container@account.blob.core.windows.net/path` URIs. Uploads stage blocks in parallel and
 * commit the block list only when every block is in, so a failed upload never leaves a visible
 * blob. The SDK is imported and the client built on first use.
 */
export class AzureBlobArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly container: string;
  readonly account: string;
  readonly prefix: string;
  private readonly apiSuffix: string;
  private readonly options: AzureBlobArtifactRepositoryOptions;
  private clientPromise?: Promise<ContainerClient>;

  constructor(uri: string, options: AzureBlobArtifactRepositoryOptions = {}) {
    const loc = parseWasbsUri(uri);
    this.rootUri = uri.replace(/\/+$/, '');
    this.container = loc.container;
    this.account = loc.account;
    this.prefix = loc.prefix;
    this.apiSuffix = loc.apiSuffix;
    this.options = options;
  }

  private client(): Promise<ContainerClient> {
    this.clientPromise ??= (async () => {
      if (this.options.containerClient) return this.options.containerClient;
      const sdk = await import('@azure/storage-blob');
      const timeout = this.options.timeoutSeconds ?? Number(process.env.MLFLOW_ARTIFACT_UPLOAD_DOWNLOAD_TIMEOUT || 600);
      if (!Number.isFinite(timeout)) {
        // MLflow reads it as a number too; a typo would otherwise mean "no timeout" here.
        throw invalidParameter(
          `${MSG} MLFLOW_ARTIFACT_UPLOAD_DOWNLOAD_TIMEOUT must be a number of seconds (-1 for none), not '${process.env.MLFLOW_ARTIFACT_UPLOAD_DOWNLOAD_TIMEOUT}'`,
          {
            field: 'MLFLOW_ARTIFACT_UPLOAD_DOWNLOAD_TIMEOUT',
          },
        );
      }
      const retryOptions = { maxTries: this.options.maxTries ?? 5, ...(timeout > 0 ? { tryTimeoutInMs: timeout * 1000 } : {}) };
      const connectionString = this.options.connectionString ?? process.env.AZURE_STORAGE_CONNECTION_STRING;
      const url = this.options.accountUrl ?? `https://${this.account}.${this.apiSuffix}`;
      let service: import('@azure/storage-blob').BlobServiceClient;
      if (connectionString) service = sdk.BlobServiceClient.fromConnectionString(connectionString, { retryOptions });
      else {
        const key = this.options.accessKey ?? process.env.AZURE_STORAGE_ACCESS_KEY;
        if (key) service = new sdk.BlobServiceClient(url, new sdk.StorageSharedKeyCredential(this.account, key), { retryOptions });
        else {
          const { DefaultAzureCredential } = await import('@azure/identity');
          service = new sdk.BlobServiceClient(url, new DefaultAzureCredential(), { retryOptions });
        }
      }
      return service.getContainerClient(this.container);
    })();
    return this.clientPromise;
  }

  /** The blob name of a repository path, checked to stay under the prefix. */
  blobName(path: string): string {
    return joinArtifactPath(this.prefix, normalizeArtifactPath(path));
  }

  private describe(path: string): string {
    return `wasbs://${this.container}@${this.account}.${this.apiSuffix}/${this.blobName(path)}`;
  }

  async put(path: string, body: ArtifactBody, options: TransferOptions = {}): Promise<void> {
    const blob = (await this.client()).getBlockBlobClient(this.blobName(path));
    const contentType = options.contentType ?? artifactContentType(path);
    try {
      await blob.uploadStream(artifactBodyStream(body), this.options.blockSize ?? 8 * 1024 * 1024, this.options.concurrency ?? 4, {
        ...(contentType ? { blobHTTPHeaders: { blobContentType: contentType } } : {}),
        ...(options.signal ? { abortSignal: options.signal } : {}),
        onProgress: (p) =>
          options.onProgress?.({ path, bytesDone: p.loadedBytes, ...(options.size !== undefined ? { bytesTotal: options.size } : {}) }),
      });
    } catch (error) {
      throw azureError('upload to', this.describe(path), error);
    }
  }

  async get(path: string, options: Pick<TransferOptions, 'signal' | 'onProgress'> = {}): Promise<Readable> {
    const blob = (await this.client()).getBlobClient(this.blobName(path));
    let response: import('@azure/storage-blob').BlobDownloadResponseParsed;
    try {
      response = await blob.download(0, undefined, {
        ...(options.signal ? { abortSignal: options.signal } : {}),
      });
    } catch (error) {
      const wrapped = azureError('download of', this.describe(path), error);
      if (wrapped.code === 'RESOURCE_DOES_NOT_EXIST') throw notFound(`${MSG} no artifact at ${this.describe(path)}`, { cause: error });
      throw wrapped;
    }
    return withProgress(response.readableStreamBody as Readable, path, response.contentLength, options.onProgress);
  }

  async list(path = ''): Promise<FileInfo[]> {
    const client = await this.client();
    const dir = this.blobName(path);
    const listPrefix = dir === '' ? '' : `${dir}/`;
    const rootPrefix = this.prefix === '' ? '' : `${this.prefix}/`;
    const out: FileInfo[] = [];
    try {
      for await (const item of client.listBlobsByHierarchy('/', { prefix: listPrefix })) {
        if (item.kind === 'prefix') out.push({ path: item.name.slice(rootPrefix.length).replace(/\/$/, ''), isDir: true });
        else if (item.name !== listPrefix)
          out.push({ path: item.name.slice(rootPrefix.length), isDir: false, fileSize: item.properties.contentLength ?? 0 });
      }
    } catch (error) {
      const wrapped = azureError('listing of', this.describe(path), error);
      if (wrapped.code === 'RESOURCE_DOES_NOT_EXIST') return [];
      throw wrapped;
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path = ''): Promise<void> {
    const client = await this.client();
    const base = this.blobName(path);
    const names: string[] = [];
    try {
      for await (const blob of client.listBlobsFlat({ prefix: base })) {
        if (base === '' || blob.name === base || blob.name.startsWith(`${base}/`)) names.push(blob.name);
      }
      await forEachBounded(names, 16, async (name) => {
        await client.getBlobClient(name).deleteIfExists();
      });
    } catch (error) {
      throw azureError('delete of', this.describe(path), error);
    }
  }

  async uploadFile(localFile: string, path: string, options: TransferOptions = {}): Promise<void> {
    const blob = (await this.client()).getBlockBlobClient(this.blobName(path));
    const contentType = options.contentType ?? artifactContentType(path);
    const { size } = await stat(localFile);
    try {
      // The SDK sends small files in one request and large ones as parallel blocks committed at the end.
      await blob.uploadFile(localFile, {
        blockSize: this.options.blockSize ?? 8 * 1024 * 1024,
        concurrency: this.options.concurrency ?? 4,
        ...(contentType ? { blobHTTPHeaders: { blobContentType: contentType } } : {}),
        ...(options.signal ? { abortSignal: options.signal } : {}),
        // The SDK wraps the body in a progress stream when asked to: only when someone listens.
        ...(options.onProgress ? { onProgress: (p) => options.onProgress?.({ path, bytesDone: p.loadedBytes, bytesTotal: size }) } : {}),
      });
    } catch (error) {
      throw azureError('upload to', this.describe(path), error);
    }
  }

  async downloadFile(path: string, localFile: string, options: TransferOptions = {}): Promise<void> {
    const blob = (await this.client()).getBlobClient(this.blobName(path));
    const partial = `${localFile}.labbook-partial`;
    try {
      await blob.downloadToFile(partial, 0, undefined, {
        ...(options.signal ? { abortSignal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: (p) => options.onProgress?.({ path, bytesDone: p.loadedBytes }) } : {}),
      });
      await rename(partial, localFile);
    } catch (error) {
      await rm(partial, { force: true });
      const wrapped = azureError('download of', this.describe(path), error);
      if (wrapped.code === 'RESOURCE_DOES_NOT_EXIST') throw notFound(`${MSG} no artifact at ${this.describe(path)}`, { cause: error });
      throw wrapped;
    }
  }
}
