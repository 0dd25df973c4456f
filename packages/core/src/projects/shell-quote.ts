// Characters POSIX shells never treat specially; the same set as Python's `shlex.quote`, so the
// command line and the logged parameter values are byte-for-byte what MLflow would produce.
const SAFE = /^[\w@%+=:,./-]+$/;

/**
 * Quotes one word for a POSIX shell exactly as Python's `shlex.quote` does: safe words unchanged,
 * anything else in single quotes with embedded single quotes spelled `'"'"'`.
 */
export function shellQuote(word: string): string {
  if (word === '') return "''";
  if (SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}
