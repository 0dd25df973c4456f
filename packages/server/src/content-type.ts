/**
 * Download headers for artifacts. MIME types are guessed from the extension only for kinds the UI
 * previews; everything is sent as an attachment with `nosniff`, so no artifact (HTML, SVG with
 * scripts) ever renders as a page of this origin.
 */
import { artifactContentType } from '@labbook/core';

/** Extensions of plain-text artifacts the UI shows as text, whatever their own MIME type. */
const TEXT = new Set(['txt', 'log', 'md', 'py', 'yaml', 'yml', 'mlmodel']);

/** Types sent as they are; anything else (HTML above all) goes as application/octet-stream. */
const SENT_AS_IS = new Set([
  'text/csv',
  'text/tab-separated-values',
  'application/json',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/bmp',
  'image/svg+xml',
  'application/pdf',
]);

/** The Content-Type to send for an artifact path. */
export function contentTypeOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (name === 'MLmodel' || (dot > 0 && TEXT.has(name.slice(dot + 1).toLowerCase()))) return 'text/plain; charset=utf-8';
  const type = artifactContentType(path);
  if (type === undefined || !SENT_AS_IS.has(type)) return 'application/octet-stream';
  return type.startsWith('text/') ? `${type}; charset=utf-8` : type;
}

/** `Content-Disposition: attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266). */
export function attachmentHeader(path: string): string {
  const name = path.split('/').pop() || 'artifact';
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
