/** The package name, for messages. */
export const PLUGIN_NAME = '@labbook/plugin-sftp';
/** Prefix of every message this plugin writes. */
export const MSG = '[labbook] [sftp]';
