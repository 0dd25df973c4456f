import type { Comparator, Comparison, FilterTree, Identifier, IdentifierType, Literal, OrderByClause, SearchEntity } from './ast.js';
import { searchParseChannel } from '../diagnostics/channels.js';
import {
  ATTRIBUTE_ALIASES,
  DATASET_KEYS,
  ENTITY_TYPES,
  LIST_ATTRIBUTES,
  NUMERIC_ATTRIBUTES,
  NUMERIC_COMPARATORS,
  ORDERABLE_ATTRIBUTES,
  STRING_ATTRIBUTES,
  STRING_COMPARATORS,
  TYPE_ALIASES,
} from './grammar.js';
import { describeToken, syntaxError, type Token, tokenize } from './lexer.js';

class Cursor {
  private i = 0;
  constructor(
    readonly tokens: Token[],
    readonly input: string,
    readonly field: string,
  ) {}
  peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  fail(expected: string, at: Token = this.peek()): never {
    throw syntaxError(this.input, this.field, at.pos, expected, describeToken(at));
  }
}

const isWord = (t: Token, word: string) => t.kind === 'word' && t.text.toUpperCase() === word;

function canonicalAttribute(entity: SearchEntity, key: string): string {
  return ATTRIBUTE_ALIASES[entity][key] ?? ATTRIBUTE_ALIASES[entity][key.toLowerCase()] ?? key;
}

/** Reads `type.key`, `` `type`.key ``, `type."key with spaces"`, `type.a.b` or a bare attribute name. */
function parseIdentifier(c: Cursor, entity: SearchEntity, forOrderBy: boolean): Identifier & { pos: number } {
  const first = c.next();
  if (first.kind !== 'word' && first.kind !== 'backtick' && first.kind !== 'dquote') {
    c.fail('an identifier such as metrics.<key>, params.<key>, tags.<key> or an attribute', first);
  }
  let type: IdentifierType;
  let key: string;
  if (c.peek().kind === 'punct' && c.peek().text === '.') {
    c.next();
    const alias = TYPE_ALIASES[first.text.toLowerCase()];
    if (!alias || !ENTITY_TYPES[entity].includes(alias)) {
      const allowed = [
        ...new Set(
          Object.entries(TYPE_ALIASES)
            .filter(([, t]) => ENTITY_TYPES[entity].includes(t))
            .map(([a]) => a),
        ),
      ];
      c.fail(`an entity type (${allowed.join(', ')})`, first);
    }
    type = alias;
    const k = c.next();
    if (k.kind === 'backtick' || k.kind === 'dquote') key = k.text;
    else if (k.kind === 'word' || k.kind === 'number') {
      key = k.text;
      // Unquoted keys may contain dots (tags.mlflow.runName) when the parts touch.
      let last = k;
      while (c.peek().kind === 'punct' && c.peek().text === '.' && c.peek().pos === last.pos + last.text.length) {
        const dot = c.next();
        const part = c.peek();
        if ((part.kind !== 'word' && part.kind !== 'number') || part.pos !== dot.pos + 1) c.fail('the rest of the key after "."');
        c.next();
        key += `.${part.text}`;
        last = part;
      }
    } else c.fail(`a key after '${first.text}.'`, k);
  } else {
    type = 'attribute';
    key = first.text;
    if (!ENTITY_TYPES[entity].includes('attribute')) c.fail('an identifier with an entity type', first);
  }
  if (key === '') c.fail('a non-empty key', first);
  if (type === 'attribute') {
    key = canonicalAttribute(entity, key);
    const known = forOrderBy ? ORDERABLE_ATTRIBUTES[entity] : [...STRING_ATTRIBUTES[entity], ...NUMERIC_ATTRIBUTES[entity]];
    if (!known.includes(key)) c.fail(`an attribute key (${known.join(', ')})`, first);
  }
  if (type === 'dataset' && !DATASET_KEYS.includes(key)) c.fail(`a dataset key (${DATASET_KEYS.join(', ')})`, first);
  return { type, key, pos: first.pos };
}

function parseComparator(c: Cursor): Comparator {
  const t = c.next();
  if (t.kind === 'op') return t.text as Comparator;
  if (t.kind === 'word') {
    const w = t.text.toUpperCase();
    if (w === 'LIKE' || w === 'ILIKE' || w === 'IN') return w;
    if (w === 'NOT' && isWord(c.peek(), 'IN')) {
      c.next();
      return 'NOT IN';
    }
  }
  return c.fail('a comparison operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN)', t);
}

function parseValue(c: Cursor, comparator: Comparator): Literal {
  const t = c.peek();
  if (comparator === 'IN' || comparator === 'NOT IN') {
    if (!(t.kind === 'punct' && t.text === '(')) c.fail("a parenthesised list of quoted strings, e.g. ('a', 'b')");
    c.next();
    const values: string[] = [];
    for (;;) {
      const v = c.next();
      if (v.kind !== 'squote' && v.kind !== 'dquote') c.fail('a quoted string in the list', v);
      values.push(v.text);
      const sep = c.next();
      if (sep.kind === 'punct' && sep.text === ')') break;
      if (!(sep.kind === 'punct' && sep.text === ',')) c.fail("',' or ')'", sep);
    }
    return { kind: 'list', values };
  }
  c.next();
  if (t.kind === 'number') return { kind: 'number', value: Number(t.text) };
  if (t.kind === 'squote' || t.kind === 'dquote') return { kind: 'string', value: t.text };
  return c.fail('a value (a number, or a string in quotes)', t);
}

function checkClause(
  c: Cursor,
  entity: SearchEntity,
  id: Identifier,
  comparator: Comparator,
  value: Literal,
  at: Token,
  valueAt: Token,
): void {
  const numeric = id.type === 'metric' || (id.type === 'attribute' && NUMERIC_ATTRIBUTES[entity].includes(id.key));
  const what = id.type === 'attribute' ? `attribute '${id.key}'` : `${id.type} '${id.key}'`;
  if (numeric) {
    if (!NUMERIC_COMPARATORS.includes(comparator)) c.fail(`a numeric comparator (${NUMERIC_COMPARATORS.join(', ')}) for ${what}`, at);
    if (value.kind !== 'number') c.fail(`a number for ${what}`, valueAt);
    return;
  }
  const listOk = id.type === 'dataset' || (id.type === 'attribute' && LIST_ATTRIBUTES[entity].includes(id.key));
  const allowed: Comparator[] = [...STRING_COMPARATORS, ...(listOk ? (['IN', 'NOT IN'] as Comparator[]) : [])];
  if (entity === 'model_versions' && id.type === 'attribute' && id.key === 'run_id') allowed.splice(allowed.indexOf('NOT IN'), 1);
  if (!allowed.includes(comparator)) c.fail(`one of ${allowed.join(', ')} for ${what}`, at);
  if (value.kind === 'number') c.fail(`a quoted string for ${what}`, valueAt);
}

/**
 * Parses a filter of MLflow's search grammar for one kind of entity: comparisons joined by AND.
 * Errors are INVALID_PARAMETER_VALUE naming field `filter`, the position, what was expected and
 * what was found.
 */
export function parseFilter(entity: SearchEntity, filter: string | undefined | null): FilterTree {
  if (filter === undefined || filter === null || filter.trim() === '') return { entity, clauses: [] };
  if (searchParseChannel.hasSubscribers) searchParseChannel.publish({ entity, field: 'filter', text: filter });
  const c = new Cursor(tokenize(filter, 'filter'), filter, 'filter');
  const clauses: Comparison[] = [];
  for (;;) {
    const idStart = c.peek();
    if (idStart.kind === 'punct' && idStart.text === '(') c.fail('an identifier (parentheses are not supported; join clauses with AND)');
    if (isWord(idStart, 'NOT')) c.fail('an identifier (NOT is only supported as NOT IN)');
    const { pos, ...identifier } = parseIdentifier(c, entity, false);
    const opToken = c.peek();
    const comparator = parseComparator(c);
    const valueToken = c.peek();
    const value = parseValue(c, comparator);
    checkClause(c, entity, identifier, comparator, value, opToken, valueToken);
    clauses.push({ identifier, comparator, value, position: pos });
    const after = c.next();
    if (after.kind === 'end') break;
    if (isWord(after, 'AND')) continue;
    if (isWord(after, 'OR')) c.fail("'AND' (OR is not supported)", after);
    c.fail("'AND' or the end of the filter", after);
  }
  return { entity, clauses };
}

/** Parses `order_by` entries (`<identifier> [ASC|DESC]`); duplicate keys are an error. */
export function parseOrderBy(entity: SearchEntity, orderBy: readonly string[] | undefined | null): OrderByClause[] {
  const out: OrderByClause[] = [];
  const seen = new Set<string>();
  if (orderBy && orderBy.length > 0 && searchParseChannel.hasSubscribers)
    searchParseChannel.publish({ entity, field: 'order_by', text: orderBy });
  for (const entry of orderBy ?? []) {
    if (typeof entry !== 'string' || entry.trim() === '') {
      throw syntaxError(String(entry), 'order_by', 0, 'an identifier', 'an empty clause');
    }
    const c = new Cursor(tokenize(entry, 'order_by'), entry, 'order_by');
    const { pos, ...identifier } = parseIdentifier(c, entity, true);
    let ascending = true;
    const dir = c.next();
    if (isWord(dir, 'DESC')) ascending = false;
    else if (!isWord(dir, 'ASC') && dir.kind !== 'end') c.fail("'ASC', 'DESC' or the end of the clause", dir);
    if (dir.kind !== 'end') {
      const end = c.next();
      if (end.kind !== 'end') c.fail('the end of the clause', end);
    }
    const id = `${identifier.type}:${identifier.key}`;
    if (seen.has(id)) throw syntaxError(entry, 'order_by', pos, 'each key once', `a second order_by clause for '${identifier.key}'`);
    seen.add(id);
    out.push({ identifier, ascending });
  }
  return out;
}
