/**
 * The MIME type an object store keeps with an uploaded artifact, from its extension, as Python's
 * `mimetypes.guess_type` gives it to MLflow's S3 and Azure repositories for the kinds runs log.
 * Kept with the object, it lets a browser or the store's console show the file for what it is.
 */
const TYPES: Record<string, string> = {
  json: 'application/json',
  yaml: 'application/x-yaml',
  yml: 'application/x-yaml',
  txt: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  py: 'text/x-python',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  html: 'text/html',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
};

/** The MIME type to store with an artifact at `path`, or undefined when its extension says nothing. */
export function artifactContentType(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? TYPES[name.slice(dot + 1).toLowerCase()] : undefined;
}
