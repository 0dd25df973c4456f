import { invalidParameter } from '@labbook/core';

/** The bucket and key prefix of an `s3://bucket/prefix` URI. */
export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing `/` (`''` for the bucket root). */
  prefix: string;
}

/** Parses `s3://<bucket>/<key prefix>`, as MLflow does (bucket = netloc, prefix = path). */
export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([^/?#]+)\/?([^?#]*)$/i.exec(uri);
  if (!m || !m[1]) throw invalidParameter(`Not an S3 URI: '${uri}'. Expected s3://<bucket>/<prefix>.`, { field: 'artifact_uri' });
  const prefix = decodeURIComponent(m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((s) => s === '..' || s === '.')) {
    throw invalidParameter(`Invalid S3 URI '${uri}': '.' and '..' segments are not allowed`, { field: 'artifact_uri' });
  }
  return { bucket: m[1], prefix };
}
