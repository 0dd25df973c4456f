/** Tags given as an object or as a list of key/value pairs. */
export type TagInput = Record<string, unknown> | { key: string; value: string }[];

/** Turns {@link TagInput} into key/value pairs, stringifying values as MLflow's client does. */
export function toKeyValues(tags: TagInput | undefined): { key: string; value: string }[] {
  if (!tags) return [];
  if (Array.isArray(tags)) return tags.map((t) => ({ key: t.key, value: String(t.value) }));
  return Object.entries(tags).map(([key, value]) => ({ key, value: stringifyValue(value) }));
}

/** `str()` as MLflow's client applies it to params and tags. */
export function stringifyValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
