export { S3ArtifactRepository } from './s3-artifact-repository.js';
export { checkS3Options, type S3ArtifactRepositoryOptions, resolveS3Options } from './options.js';
export { parseR2Uri, parseS3Uri, type S3Location } from './uri.js';
export { PLUGIN_NAME } from './constants.js';
export { default as plugin } from './plugin.js';
