import { invalidParameter } from '../errors.js';

const MAX_DECODE_ROUNDS = 10;
const PERCENT_ESCAPE = /%([0-9a-fA-F]{2})/g;
// Control characters (0-31, 127), and characters MLflow's path checks refuse: `\` (alternative
// separator), `#` (fragment smuggling, CVE-2023-6909/CVE-2024-3848), `;` (URL params, CVE-2024-1593).
const FORBIDDEN_CHAR = /[\u0000-\u001f\u007f\\#;]/;
/** The characters {@link hasForbiddenArtifactPathChar} refuses, in words, for error messages. */
export const FORBIDDEN_ARTIFACT_PATH_CHARS = 'a control character, a backslash, `#` or `;`';
const WINDOWS_DRIVE = /^[a-zA-Z]:/;

/** Decodes `%XX` escapes, leaving malformed ones as they are (a literal `%` in a name is legal). */
function percentDecodeOnce(s: string): string {
  const bytes: number[] = [];
  let out = '';
  let last = 0;
  // Collect runs of escapes so multi-byte UTF-8 sequences decode together.
  for (const m of s.matchAll(PERCENT_ESCAPE)) {
    const at = m.index ?? 0;
    if (at !== last && bytes.length > 0) {
      out += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    }
    out += s.slice(last, at);
    bytes.push(Number.parseInt(m[1]!, 16));
    last = at + m[0].length;
  }
  if (bytes.length > 0) out += Buffer.from(bytes).toString('utf8');
  return out + s.slice(last);
}

/** Every form a path takes under repeated percent-decoding, the original first. */
function decodingsOf(path: string, field: string): string[] {
  const forms = [path];
  let current = path;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    const next = percentDecodeOnce(current);
    if (next === current) return forms;
    forms.push(next);
    current = next;
  }
  throw invalidParameter(
    `Invalid path '${printable(path)}' for ${field}: still percent-encoded after ${MAX_DECODE_ROUNDS} rounds of decoding`,
    {
      field,
      limit: MAX_DECODE_ROUNDS,
    },
  );
}

function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * The one rule for which characters an artifact path, or an artifact URI a client chooses, may
 * hold: true when `s`, or any form it takes under repeated percent-decoding (`%5C`, `%2523`), holds
 * a control character, a backslash, `#` or `;` ({@link FORBIDDEN_ARTIFACT_PATH_CHARS}).
 *
 * @param field - the input field named in the error for a path still encoded after 10 rounds
 * @throws LabbookError INVALID_PARAMETER_VALUE when decoding does not settle in 10 rounds
 */
export function hasForbiddenArtifactPathChar(s: string, field = 'path'): boolean {
  return decodingsOf(s, field).some((form) => FORBIDDEN_CHAR.test(form));
}

function checkForm(form: string, original: string, field: string): void {
  const bad = (why: string) => invalidParameter(`Invalid path '${printable(original)}' for ${field}: ${why}`, { field });
  if (FORBIDDEN_CHAR.test(form)) throw bad(`it contains ${FORBIDDEN_ARTIFACT_PATH_CHARS}`);
  if (form.startsWith('/') || form.startsWith('~')) throw bad('absolute paths are not allowed');
  if (WINDOWS_DRIVE.test(form)) throw bad('drive-qualified paths are not allowed');
  if (form.split('/').some((segment) => segment === '..')) throw bad("'..' segments are not allowed");
}

/**
 * MLflow (>= 2.12) names the files of an image series
 * `images/<key, '/' as '#'>%step%<n>%timestamp%<ms>%<uuid>[%compressed].png|webp`. The generic checks
 * refuse every such name (`#` stands for `/`, and `%17…` of the timestamp decodes to a control
 * character), so neither MLflow's images nor labbook's could be read. This exact shape admits no
 * separator past `images/`, no dot segment, backslash, `;` or control character, and is taken
 * literally; what comes before `images/` (a run's prefix, through the artifact proxy) gets the usual checks.
 */
const MLFLOW_IMAGE_SERIES_FILE = /(^|\/)images\/[a-zA-Z0-9_\-. #]+%step%-?\d+%timestamp%\d+%[g-z][0-9a-f-]{35}(%compressed)?\.(png|webp)$/;

/**
 * Normalises and checks an artifact path relative to a repository root, once, before any repository
 * sees it. The path and every form it takes under repeated percent-decoding must be relative and free
 * of `..` segments, backslashes, `#`, `;`, NUL and control characters (MLflow's path-traversal CVEs).
 * Empty and `.` segments are dropped (`a//./b/` → `a/b`). Returns `''` for the root.
 *
 * @param path - the path as the caller gave it (`undefined` means the root)
 * @param field - the input field named in errors
 * @throws LabbookError INVALID_PARAMETER_VALUE naming the field
 */
export function normalizeArtifactPath(path: string | undefined | null, field = 'path'): string {
  if (path === undefined || path === null) return '';
  if (typeof path !== 'string') throw invalidParameter(`Invalid path for ${field}: expected a string`, { field });
  const image = MLFLOW_IMAGE_SERIES_FILE.exec(path);
  if (image) {
    const prefix = path.slice(0, image.index);
    return [normalizeArtifactPath(prefix, field), path.slice(image.index + image[1]!.length)].filter((s) => s !== '').join('/');
  }
  for (const form of decodingsOf(path, field)) checkForm(form, path, field);
  return path
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

/** Like {@link normalizeArtifactPath}, but the root (`''`) is refused: the path must name a file. */
export function normalizeArtifactFilePath(path: string | undefined | null, field = 'path'): string {
  const normalized = normalizeArtifactPath(path, field);
  if (normalized === '') throw invalidParameter(`Invalid path for ${field}: a file path is required`, { field });
  return normalized;
}

/** Joins normalised artifact path parts with `/`, skipping empty parts. */
export function joinArtifactPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}
