import { definePlugin } from '@labbook/core';
import { PLUGIN_NAME } from './constants.js';
import { SftpArtifactRepository, type SftpArtifactRepositoryOptions } from './sftp-artifact-repository.js';

/** `sftp://user@host:port/path` artifact repositories. */
export default definePlugin({
  name: PLUGIN_NAME,
  artifactRepositories: { sftp: (uri, options) => new SftpArtifactRepository(uri, options as SftpArtifactRepositoryOptions) },
});
