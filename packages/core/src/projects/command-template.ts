import { invalidParameter } from '../errors.js';

/** A piece of a parsed command template: literal text, or a `{name}` placeholder. */
export type TemplatePart = { text: string } | { placeholder: string };

/**
 * Parses a command with Python `str.format` syntax, as MLflow fills it: `{name}` placeholders,
 * `{{` and `}}` for literal braces. Format specs and conversions (`{x:>4}`, `{x!r}`) are rejected
 * because their Python semantics would have to be reimplemented to give the same command.
 *
 * @param field - the MLproject field the template came from, for the error
 */
export function parseCommandTemplate(command: string, field: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === '{' && command[i + 1] === '{') {
      text += '{';
      i++;
    } else if (c === '}' && command[i + 1] === '}') {
      text += '}';
      i++;
    } else if (c === '{') {
      const end = command.indexOf('}', i);
      const name = end < 0 ? '' : command.slice(i + 1, end);
      if (!/^[A-Za-z_][\w-]*$/.test(name)) {
        throw invalidParameter(
          `The command of ${field} has an invalid placeholder '${command.slice(i, end < 0 ? undefined : end + 1)}' at offset ${i}: write {name} for a parameter, {{ and }} for literal braces.`,
          { field },
        );
      }
      if (text) parts.push({ text });
      text = '';
      parts.push({ placeholder: name });
      i = end;
    } else if (c === '}') {
      throw invalidParameter(`The command of ${field} has a single '}' at offset ${i}: write }} for a literal brace.`, { field });
    } else {
      text += c;
    }
  }
  if (text) parts.push({ text });
  return parts;
}

/** The placeholder names a template uses, in order of first use. */
export function templatePlaceholders(parts: TemplatePart[]): string[] {
  return [...new Set(parts.flatMap((p) => ('placeholder' in p ? [p.placeholder] : [])))];
}

/** Fills a parsed template; every placeholder must have a value (checked when the file was read). */
export function renderCommandTemplate(parts: TemplatePart[], values: Readonly<Record<string, string>>): string {
  return parts.map((p) => ('text' in p ? p.text : (values[p.placeholder] ?? ''))).join('');
}
