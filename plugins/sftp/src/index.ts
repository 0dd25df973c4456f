export { SftpArtifactRepository, type SftpArtifactRepositoryOptions } from './sftp-artifact-repository.js';
export type { SftpConnectOptions } from './sftp-connection.js';
export { parseSftpUri, type SftpLocation } from './sftp-uri.js';
export { readSshConfig, type SshHostConfig } from './ssh-config.js';
export { PLUGIN_NAME } from './constants.js';
export { default as plugin } from './plugin.js';
