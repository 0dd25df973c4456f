/** Which preview an artifact gets, from its name. */
export type PreviewKind = 'image' | 'json' | 'csv' | 'text' | 'none';

const IMAGE = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp', 'svg']);
const TEXT = new Set([
  'txt',
  'log',
  'md',
  'py',
  'yaml',
  'yml',
  'mlmodel',
  'cfg',
  'ini',
  'toml',
  'sh',
  'ts',
  'js',
  'xml',
  'html',
  'err',
  'out',
]);
/** Larger files are offered for download only: previews load whole into the page. */
export const PREVIEW_MAX_BYTES = 5 * 1024 * 1024;

/** The preview an artifact gets, from its file name (known names first, then the extension). */
export function previewKindOf(path: string): PreviewKind {
  const name = path.split('/').pop() ?? '';
  if (name === 'MLmodel' || name === 'requirements.txt' || name === 'conda.yaml') return 'text';
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (IMAGE.has(ext)) return 'image';
  if (ext === 'json') return 'json';
  if (ext === 'csv' || ext === 'tsv') return 'csv';
  if (TEXT.has(ext)) return 'text';
  return 'none';
}

/** The MIME type an image preview's blob needs (the server sends some as octet-stream). */
export function imageTypeOf(path: string): string {
  const ext = path.split('.').pop()?.toLowerCase();
  return ext === 'svg' ? 'image/svg+xml' : ext === 'jpg' ? 'image/jpeg' : `image/${ext}`;
}
