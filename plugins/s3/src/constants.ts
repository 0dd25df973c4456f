/** The package name, for messages. */
export const PLUGIN_NAME = '@labbook/plugin-s3';
/** Prefix of every message this plugin writes. */
export const MSG = '[labbook] [s3]';
