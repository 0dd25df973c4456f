/**
 * A search filter (runs, logged models): MLflow's search grammar, applied on Enter. A parser error from the server is shown
 * under the box with a caret at the position it names, and the caret is moved there in the input.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { filterProblemOf } from '../filter-error';

/** The server's refusal of one filter: the message only means something next to the text it was about. */
export interface FilterRefusal {
  /** The filter text the server was asked about. */
  filter: string;
  message: string;
}

export interface FilterBoxProps {
  value: string;
  onApply: (filter: string) => void;
  /** The server's refusal of the applied filter; ignored unless it is about `value`. */
  error?: FilterRefusal;
  /** The input's accessible name; the runs filter's by default. */
  label?: string;
  placeholder?: string;
}

/** The filter input: applies on Enter or Apply; shows the server's parser error under itself. */
export function FilterBox({
  value,
  onApply,
  error,
  label = 'Filter runs',
  placeholder = "metrics.accuracy > 0.9 and params.model = 'cnn'",
}: FilterBoxProps) {
  const [text, setText] = useState(value);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setText(value), [value]);
  // A refusal of another text (the filter before the one just applied) would put its caret on the
  // wrong character, so it is not shown at all until the server has answered for this one.
  const refusal = error?.filter === value ? error : undefined;
  const problem = refusal ? filterProblemOf(refusal.message) : undefined;
  // Once the user edits the box the position names a character of text no longer there; the message
  // stays as a hint while they fix it, the caret comes back if they undo the edit.
  const caretAt = problem?.position !== undefined && text.trim() === refusal?.filter ? problem.position : undefined;
  useEffect(() => {
    // The user may have typed on while the server was answering: a position in the text it judged
    // means nothing in other text.
    if (problem?.position !== undefined && input.current && input.current.value.trim() === refusal?.filter) {
      input.current.focus();
      input.current.setSelectionRange(problem.position, problem.position + 1);
    }
  }, [refusal?.filter, refusal?.message]);
  return (
    <form
      class="filter-box"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(text.trim());
      }}
    >
      <input
        ref={input}
        type="search"
        class={`mono${problem ? ' invalid' : ''}`}
        aria-label={label}
        aria-invalid={problem ? 'true' : 'false'}
        aria-describedby={problem ? 'filter-error' : undefined}
        placeholder={placeholder}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <button type="submit">Apply</button>
      {value && (
        <button
          type="button"
          onClick={() => {
            setText('');
            onApply('');
          }}
        >
          Clear
        </button>
      )}
      {refusal && problem && (
        // data-filter names the text this error is about, for anything (a test, a screen reader
        // script) that must tell one refusal from the next.
        <div id="filter-error" class="filter-error" role="alert" data-filter={refusal.filter}>
          <div>{problem.message}</div>
          {caretAt !== undefined && (
            <pre class="caret">
              {refusal.filter.slice(0, caretAt)}
              {/* The character the parser stopped at, or a marked space when it ran off the end. */}
              <mark>{refusal.filter.charAt(caretAt) || ' '}</mark>
              {refusal.filter.slice(caretAt + 1)}
              {'\n'}
              {' '.repeat(caretAt)}^
            </pre>
          )}
        </div>
      )}
    </form>
  );
}
