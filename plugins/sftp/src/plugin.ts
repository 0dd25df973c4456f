import { definePlugin } from '@labbook/core/plugin';
import { PLUGIN_NAME } from './constants.js';
import { checkSftpOptions } from './options.js';
import { SftpArtifactRepository } from './sftp-artifact-repository.js';

/** `sftp://user@host:port/path` artifact repositories. */
export default definePlugin({
  apiVersion: 2,
  name: PLUGIN_NAME,
  artifactRepositories: { sftp: (uri, options) => new SftpArtifactRepository(uri, checkSftpOptions(options)) },
});
