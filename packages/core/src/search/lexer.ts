import { invalidParameter, type LabbookError } from '../errors.js';

/** A token of the search grammar, with its 0-based offset in the input. */
export type Token =
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'backtick'; text: string; pos: number }
  | { kind: 'dquote'; text: string; pos: number }
  | { kind: 'squote'; text: string; pos: number }
  | { kind: 'number'; text: string; pos: number }
  | { kind: 'op'; text: string; pos: number }
  | { kind: 'punct'; text: '(' | ')' | ',' | '.'; pos: number }
  | { kind: 'end'; text: ''; pos: number };

/** An error at `pos` of `input` that says what was expected and what was found. */
export function syntaxError(input: string, field: string, pos: number, expected: string, found: string): LabbookError {
  const excerpt = `${input}\n${' '.repeat(Math.max(0, pos))}^`;
  return invalidParameter(
    `Invalid ${field === 'order_by' ? 'order_by clause' : 'filter'} '${input}' at position ${pos}: expected ${expected}, found ${found}.\n${excerpt}`,
    { field },
  );
}

/** How a token reads in an error message. */
export function describeToken(t: Token): string {
  if (t.kind === 'end') return 'the end of the input';
  if (t.kind === 'squote' || t.kind === 'dquote') return `the string ${JSON.stringify(t.text)}`;
  return `'${t.text}'`;
}

const WORD_START = /[\p{L}\p{N}_]/u;
const WORD_CHAR = /[\p{L}\p{N}\p{M}_:/-]/u;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;

/**
 * Splits a filter or order_by string into tokens. Words may contain letters, digits, `_`, `:`, `/`
 * and `-` (and `.`, which the parser reads as the separator of `type.key`).
 */
export function tokenize(input: string, field: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"' || c === '`') {
      // A quote inside is doubled (SQL) or backslash-escaped.
      let text = '';
      i++;
      for (;;) {
        if (i >= n) throw syntaxError(input, field, start, `a closing ${c}`, 'the end of the input');
        const d = input[i]!;
        if (d === '\\' && i + 1 < n) {
          text += input[i + 1];
          i += 2;
        } else if (d === c && input[i + 1] === c) {
          text += c;
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          text += d;
          i++;
        }
      }
      tokens.push({ kind: c === "'" ? 'squote' : c === '"' ? 'dquote' : 'backtick', text, pos: start });
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', text: c, pos: i++ });
      continue;
    }
    if (c === '!' || c === '<' || c === '>' || c === '=') {
      const two = input.slice(i, i + 2);
      const op = ['!=', '<=', '>=', '<>', '=='].includes(two) ? two : c;
      if (op === '!') throw syntaxError(input, field, i, 'a comparison operator', "'!'");
      tokens.push({ kind: 'op', text: op === '<>' ? '!=' : op === '==' ? '=' : op, pos: i });
      i += op.length;
      continue;
    }
    const prev = tokens[tokens.length - 1];
    const numberAllowed =
      !prev ||
      prev.kind === 'op' ||
      (prev.kind === 'punct' && prev.text !== '.') ||
      (prev.kind === 'word' && /^(in|and)$/i.test(prev.text));
    if (numberAllowed && (/\d/.test(c) || ((c === '-' || c === '+' || c === '.') && /[\d.]/.test(input[i + 1] ?? '')))) {
      const m = NUMBER.exec(input.slice(i));
      if (m && !WORD_START.test(input[i + m[0].length] ?? '')) {
        tokens.push({ kind: 'number', text: m[0], pos: i });
        i += m[0].length;
        continue;
      }
    }
    if (c === '.') {
      tokens.push({ kind: 'punct', text: '.', pos: i++ });
      continue;
    }
    if (WORD_CHAR.test(c)) {
      while (i < n && WORD_CHAR.test(input[i]!)) i++;
      tokens.push({ kind: 'word', text: input.slice(start, i), pos: start });
      continue;
    }
    throw syntaxError(input, field, i, 'an identifier, a value or an operator', `'${c}'`);
  }
  tokens.push({ kind: 'end', text: '', pos: n });
  return tokens;
}
