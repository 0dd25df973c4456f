/** A text area over a saved description, with a Save button enabled only when the text changed. */
import { useState } from 'preact/hooks';
import type { Act } from '../use-action';

/**
 * Edits a description (a run's note, a model's description). Until the user types, it shows `saved`;
 * after a successful save it follows `saved` again (the page reloads it).
 */
export function DescriptionEditor({
  label,
  saved,
  placeholder,
  onSave,
  act,
}: {
  label: string;
  saved: string;
  placeholder?: string;
  onSave: (text: string) => Promise<unknown>;
  act: Act;
}) {
  const [draft, setDraft] = useState<string | undefined>();
  return (
    <form
      class="note"
      onSubmit={(e) => {
        e.preventDefault();
        act(() => onSave(draft ?? saved).then(() => setDraft(undefined)));
      }}
    >
      <textarea
        aria-label={label}
        rows={3}
        value={draft ?? saved}
        placeholder={placeholder}
        onInput={(e) => setDraft(e.currentTarget.value)}
      />
      <button type="submit" disabled={draft === undefined || draft === saved}>
        Save description
      </button>
    </form>
  );
}
