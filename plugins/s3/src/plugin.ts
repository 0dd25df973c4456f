import { definePlugin } from '@labbook/core';
import { PLUGIN_NAME } from './constants.js';
import { S3ArtifactRepository } from './s3-artifact-repository.js';
import type { S3ArtifactRepositoryOptions } from './s3-config.js';

/** `s3://bucket/prefix` artifact repositories, and Cloudflare R2's `r2://bucket@account.r2.cloudflarestorage.com/prefix`. */
export default definePlugin({
  name: PLUGIN_NAME,
  artifactRepositories: {
    s3: (uri, options) => new S3ArtifactRepository(uri, options as S3ArtifactRepositoryOptions),
    r2: (uri, options) => new S3ArtifactRepository(uri, options as S3ArtifactRepositoryOptions),
  },
});
