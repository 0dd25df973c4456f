import { invalidParameter } from '@labbook/core/plugin';

/** The bucket and key prefix of an `s3://bucket/prefix` (or `r2://…`) URI. */
export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing `/` (`''` for the bucket root). */
  prefix: string;
  /** The endpoint the URI itself names (R2's account endpoint); unset for `s3://`. */
  endpoint?: string;
}

function checkedPrefix(uri: string, path: string): string {
  const prefix = decodeURIComponent(path).replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((s) => s === '..' || s === '.')) {
    throw invalidParameter(`Invalid S3 URI '${uri}': '.' and '..' segments are not allowed`, { field: 'artifact_uri' });
  }
  return prefix;
}

/**
 * Parses Cloudflare R2's `r2://<bucket>@<account>.r2.cloudflarestorage.com/<prefix>`, as MLflow does:
 * the endpoint is `https://<account>.r2.cloudflarestorage.com`.
 */
export function parseR2Uri(uri: string): S3Location {
  const m = /^r2:\/\/([^/?#@]+)@([a-z0-9-]+)\.r2\.cloudflarestorage\.com(?:\/([^?#]*))?$/i.exec(uri);
  if (!m)
    throw invalidParameter(`Not an R2 URI: '${uri}'. Expected r2://<bucket>@<account>.r2.cloudflarestorage.com/<prefix>.`, {
      field: 'artifact_uri',
    });
  return { bucket: m[1]!, prefix: checkedPrefix(uri, m[3] ?? ''), endpoint: `https://${m[2]}.r2.cloudflarestorage.com` };
}

/** Parses `s3://<bucket>/<key prefix>`, as MLflow does (bucket = netloc, prefix = path). */
export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([^/?#]+)\/?([^?#]*)$/i.exec(uri);
  if (!m?.[1]) throw invalidParameter(`Not an S3 URI: '${uri}'. Expected s3://<bucket>/<prefix>.`, { field: 'artifact_uri' });
  return { bucket: m[1], prefix: checkedPrefix(uri, m[2] ?? '') };
}
