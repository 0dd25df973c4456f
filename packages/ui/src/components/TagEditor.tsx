/** A table of tags with Edit and Delete per row, and a form that sets one (new or changed). */
import { useRef, useState } from 'preact/hooks';
import type { Act } from '../use-action';
import type { KeyValue } from '../api/types';

/**
 * Editable tags. `noun` names them in labels ("tag" gives "Tag key", "Delete tag x"; "model tag"
 * gives "Model tag key"), so pages with several kinds of tags stay unambiguous to screen readers and
 * tests. Edit copies a row into the form and focuses its value; `act` runs a write and shows its
 * error.
 */
export function TagEditor({
  tags,
  noun,
  onSet,
  onDelete,
  act,
}: {
  tags: KeyValue[];
  noun: string;
  onSet: (key: string, value: string) => Promise<unknown>;
  onDelete: (key: string) => Promise<unknown>;
  act: Act;
}) {
  const [draft, setDraft] = useState({ key: '', value: '' });
  const valueInput = useRef<HTMLInputElement>(null);
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  return (
    <>
      {tags.length === 0 ? (
        <p class="muted">No {noun}s yet.</p>
      ) : (
        <table class="grid kv" aria-label={`${Noun}s`}>
          <tbody>
            {tags.map((t) => (
              <tr key={t.key}>
                <th scope="row" class="mono">
                  {t.key}
                </th>
                <td class="mono wrap">{t.value}</td>
                <td class="actions">
                  <button
                    type="button"
                    aria-label={`Edit ${noun} ${t.key}`}
                    onClick={() => {
                      setDraft({ key: t.key, value: t.value });
                      valueInput.current?.focus();
                    }}
                  >
                    Edit
                  </button>
                  <button type="button" aria-label={`Delete ${noun} ${t.key}`} onClick={() => act(() => onDelete(t.key))}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const key = draft.key.trim();
          if (key) act(() => onSet(key, draft.value).then(() => setDraft({ key: '', value: '' })));
        }}
      >
        <input
          aria-label={`${Noun} key`}
          placeholder="key"
          value={draft.key}
          onInput={(e) => setDraft({ ...draft, key: e.currentTarget.value })}
        />
        <input
          ref={valueInput}
          aria-label={`${Noun} value`}
          placeholder="value"
          value={draft.value}
          onInput={(e) => setDraft({ ...draft, value: e.currentTarget.value })}
        />
        <button type="submit" disabled={!draft.key.trim()}>
          Set tag
        </button>
      </form>
    </>
  );
}
