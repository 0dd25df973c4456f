export { S3ArtifactRepository } from './s3-artifact-repository.js';
export { type S3ArtifactRepositoryOptions, resolveS3Options } from './s3-config.js';
export { parseR2Uri, parseS3Uri, type S3Location } from './s3-uri.js';
export { PLUGIN_NAME } from './constants.js';
export { default as plugin } from './plugin.js';
