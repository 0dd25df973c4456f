export { SftpArtifactRepository } from './sftp-artifact-repository.js';
export { checkSftpOptions, type SftpArtifactRepositoryOptions, type SftpConnectOptions } from './options.js';
export { parseSftpUri, type SftpLocation } from './uri.js';
export { readSshConfig, type SshHostConfig } from './ssh-config.js';
export { PLUGIN_NAME } from './constants.js';
export { default as plugin } from './plugin.js';
