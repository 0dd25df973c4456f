/** The package name, used in messages. */
export const PLUGIN_NAME = '@labbook/plugin-file';

/** Prefix of every message this plugin produces. */
export const MSG = '[labbook] [file]';

/**
 * Names starting with this prefix are labbook's temporary files and folders (atomic writes, runs and
 * experiments being created). Every listing ignores them.
 */
export const TEMP_PREFIX = '.lbtmp-';

export const META_FILE = 'meta.yaml';
export const TRASH_FOLDER = '.trash';
export const MODELS_FOLDER = 'models';
export const DEFAULT_EXPERIMENT_ID = '0';
/** Sub-folders of an experiment folder that are not runs. */
export const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces', 'models']);
