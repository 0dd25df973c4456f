import { invalidParameter, type StoreFactoryOptions } from '@labbook/core/plugin';
import { MSG } from './constants.js';
import { given, OptionChecks } from '@labbook/core/plugin';

/** Settings of an {@link S3ArtifactRepository}; each defaults from the environment MLflow users already have. */
export interface S3ArtifactRepositoryOptions {
  /** A ready client (reused connections, custom middleware); the settings below are then ignored. */
  client?: import('@aws-sdk/client-s3').S3Client;
  /** S3-compatible endpoint (MinIO, Ceph, R2…). Default: `MLFLOW_S3_ENDPOINT_URL`. */
  endpoint?: string;
  /** Default: `AWS_REGION`, `AWS_DEFAULT_REGION`, then `us-east-1`. */
  region?: string;
  /** Path-style addressing. Default: `MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE=path`, or true when an endpoint is set. */
  forcePathStyle?: boolean;
  /**
   * When the SDK computes and checks checksums. S3-compatible servers often need `WHEN_REQUIRED`
   * (otherwise streamed uploads may be stored with aws-chunked framing); that is the default when an
   * endpoint is set, and the SDK's own default otherwise.
   */
  checksums?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** Static credentials; default: the SDK's chain (`AWS_ACCESS_KEY_ID`…, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Extra PutObject/CreateMultipartUpload parameters. Default: JSON in `MLFLOW_S3_UPLOAD_EXTRA_ARGS`. */
  uploadExtraArgs?: Record<string, unknown>;
  /** Skip TLS certificate checks. Default: `MLFLOW_S3_IGNORE_TLS`. */
  ignoreTls?: boolean;
  /** Multipart part size in bytes (default 8 MiB, minimum 5 MiB). */
  partSize?: number;
  /** Parts uploaded in parallel (default 4). */
  queueSize?: number;
  /** Attempts per request, with the SDK's exponential backoff (default 5). */
  maxAttempts?: number;
  /**
   * The account that must own the bucket: sent with every request, so S3 refuses a bucket of the
   * same name owned by someone else. Default: `MLFLOW_S3_EXPECTED_BUCKET_OWNER`.
   */
  expectedBucketOwner?: string;
  /**
   * Send requests unsigned, for public buckets read without credentials. Default: true when
   * `MLFLOW_EXPERIMENTAL_S3_SIGNATURE_VERSION=unsigned` (`s3v4`, the other value, signs).
   */
  unsigned?: boolean;
}

/**
 * Checks raw factory options (as a config file or `resolveArtifactRepository` passes them) and
 * returns them typed; a wrong type fails with INVALID_PARAMETER_VALUE naming the option. Options of
 * other plugins are ignored.
 */
export function checkS3Options(raw: StoreFactoryOptions): S3ArtifactRepositoryOptions {
  const o = new OptionChecks(raw, MSG);
  const credentials = o.record('credentials');
  if (credentials !== undefined) {
    for (const name of ['accessKeyId', 'secretAccessKey', 'sessionToken']) {
      const value = credentials[name];
      const optional = name === 'sessionToken' && value === undefined;
      if (!optional && typeof value !== 'string') throw o.wrong(`credentials.${name}`, 'a string', value);
    }
  }
  return given<S3ArtifactRepositoryOptions>({
    client: o.withMethods('client', ['send'], 'an S3Client from @aws-sdk/client-s3'),
    endpoint: o.string('endpoint'),
    region: o.string('region'),
    forcePathStyle: o.boolean('forcePathStyle'),
    checksums: o.oneOf('checksums', ['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const),
    credentials: credentials as S3ArtifactRepositoryOptions['credentials'],
    uploadExtraArgs: o.record('uploadExtraArgs'),
    ignoreTls: o.boolean('ignoreTls'),
    partSize: o.integer('partSize', 5 * 1024 * 1024),
    queueSize: o.integer('queueSize', 1),
    maxAttempts: o.integer('maxAttempts', 1),
    expectedBucketOwner: o.string('expectedBucketOwner'),
    unsigned: o.boolean('unsigned'),
  });
}

/** Options with every default resolved. */
export type ResolvedS3Options = Omit<
  Required<S3ArtifactRepositoryOptions>,
  'client' | 'endpoint' | 'credentials' | 'checksums' | 'expectedBucketOwner'
> & {
  endpoint?: string;
  expectedBucketOwner?: string;
  credentials?: S3ArtifactRepositoryOptions['credentials'];
  checksums?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
};

function envFlag(name: string): boolean {
  return /^(1|true|yes)$/i.test(process.env[name] ?? '');
}

function extraArgsFromEnv(): Record<string, unknown> {
  const raw = process.env.MLFLOW_S3_UPLOAD_EXTRA_ARGS;
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw invalidParameter('MLFLOW_S3_UPLOAD_EXTRA_ARGS must hold a JSON object, e.g. {"ServerSideEncryption": "AES256"}', {
    field: 'MLFLOW_S3_UPLOAD_EXTRA_ARGS',
  });
}

function unsignedFromEnv(): boolean {
  const version = process.env.MLFLOW_EXPERIMENTAL_S3_SIGNATURE_VERSION?.toLowerCase();
  if (!version || version === 's3v4') return false;
  if (version === 'unsigned') return true;
  throw invalidParameter(`MLFLOW_EXPERIMENTAL_S3_SIGNATURE_VERSION must be 's3v4' or 'unsigned', not '${version}'`, {
    field: 'MLFLOW_EXPERIMENTAL_S3_SIGNATURE_VERSION',
  });
}

/**
 * Fills every option from the environment and defaults. `uriEndpoint` is the endpoint an `r2://` URI
 * names: below an explicit option and `MLFLOW_S3_ENDPOINT_URL`, above the AWS default.
 */
export function resolveS3Options(options: S3ArtifactRepositoryOptions = {}, uriEndpoint?: string): ResolvedS3Options {
  const endpoint = options.endpoint ?? (process.env.MLFLOW_S3_ENDPOINT_URL || undefined) ?? uriEndpoint;
  const owner = options.expectedBucketOwner ?? (process.env.MLFLOW_S3_EXPECTED_BUCKET_OWNER || undefined);
  const style = process.env.MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE?.toLowerCase();
  const partSize = options.partSize ?? 8 * 1024 * 1024;
  if (partSize < 5 * 1024 * 1024)
    throw invalidParameter('S3 part size must be at least 5 MiB', { field: 'partSize', limit: 5 * 1024 * 1024 });
  const checksums = options.checksums ?? (endpoint ? 'WHEN_REQUIRED' : undefined);
  return {
    ...(endpoint ? { endpoint } : {}),
    // R2 takes 'auto' as its region.
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (uriEndpoint ? 'auto' : 'us-east-1'),
    forcePathStyle: options.forcePathStyle ?? (style === 'path' ? true : style === 'virtual' ? false : Boolean(endpoint)),
    ...(checksums ? { checksums } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    uploadExtraArgs: options.uploadExtraArgs ?? extraArgsFromEnv(),
    ignoreTls: options.ignoreTls ?? envFlag('MLFLOW_S3_IGNORE_TLS'),
    partSize,
    queueSize: options.queueSize ?? 4,
    maxAttempts: options.maxAttempts ?? 5,
    ...(owner ? { expectedBucketOwner: owner } : {}),
    unsigned: options.unsigned ?? unsignedFromEnv(),
  };
}
