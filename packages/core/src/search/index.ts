export type * from './ast.js';
export * from './parser.js';
export * from './page-token.js';
export * from './like.js';
export * from './accessors.js';
export * from './evaluate.js';
export { tokenize, type Token } from './lexer.js';
export * as searchGrammar from './grammar.js';
