/** The package name, for messages. */
export const PLUGIN_NAME = '@labbook/plugin-azure-blob';
/** Prefix of every message this plugin writes. */
export const MSG = '[labbook] [azure-blob]';
