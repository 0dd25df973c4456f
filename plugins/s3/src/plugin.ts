import { definePlugin } from '@labbook/core/plugin';
import { PLUGIN_NAME } from './constants.js';
import { checkS3Options } from './options.js';
import { S3ArtifactRepository } from './s3-artifact-repository.js';

/** `s3://bucket/prefix` artifact repositories, and Cloudflare R2's `r2://bucket@account.r2.cloudflarestorage.com/prefix`. */
export default definePlugin({
  apiVersion: 2,
  name: PLUGIN_NAME,
  artifactRepositories: {
    s3: (uri, options) => new S3ArtifactRepository(uri, checkS3Options(options)),
    r2: (uri, options) => new S3ArtifactRepository(uri, checkS3Options(options)),
  },
});
