import { LabbookError } from '@labbook/core';

function bad(message: string): LabbookError {
  return new LabbookError(
    'BAD_REQUEST',
    `Failed to parse input as a CSV: ${message}. Send a header row of column names, then one comma-separated row per record.`,
  );
}

/**
 * Splits RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of strings. Anything
 * that cannot be CSV (an unterminated quote, a quote in the middle of an unquoted field, a NUL
 * byte) is a BAD_REQUEST rather than a guess, so binary bodies are refused instead of scored.
 */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  // A byte-order mark is not part of the first column's name.
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  let quoted = false;
  let fieldStart = true;
  while (i < n) {
    const c = text[i]!;
    if (c === '\0') throw bad('the body holds NUL bytes (binary data is not CSV)');
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r')
          throw bad(`unexpected '${next}' after a closing quote on line ${rows.length + 1}`);
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (!fieldStart) throw bad(`a quote inside an unquoted field on line ${rows.length + 1}`);
      quoted = true;
      fieldStart = false;
      i++;
      continue;
    }
    if (c === ',') {
      row.push(field);
      field = '';
      fieldStart = true;
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      fieldStart = true;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += c;
    fieldStart = false;
    i++;
  }
  if (quoted) throw bad('a quoted field is never closed');
  if (!fieldStart || field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  // Blank lines carry no record (pandas skips them too).
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** The columns of a CSV body: the header row's names and each column's cells, rows checked for width. */
export function parseCsvColumns(text: string): { columns: string[]; rows: string[][] } {
  const rows = parseCsvRows(text);
  const header = rows.shift();
  if (!header || header.length === 0) throw bad('the body is empty; a header row is needed');
  if (new Set(header).size !== header.length) throw bad(`the header row names a column twice (${header.join(', ')})`);
  rows.forEach((r, i) => {
    if (r.length !== header.length) throw bad(`line ${i + 2} has ${r.length} fields, the header has ${header.length}`);
  });
  return { columns: header, rows };
}
