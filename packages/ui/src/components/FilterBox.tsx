/**
 * The runs filter: MLflow's search grammar, applied on Enter. A parser error from the server is shown
 * under the box with a caret at the position it names, and the caret is moved there in the input.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { filterProblemOf } from '../filter-error';

export interface FilterBoxProps {
  value: string;
  onApply: (filter: string) => void;
  /** The server's message for the applied filter, when it refused it. */
  error?: string;
}

/** The filter input: applies on Enter or Apply; shows the server's parser error under itself. */
export function FilterBox({ value, onApply, error }: FilterBoxProps) {
  const [text, setText] = useState(value);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setText(value), [value]);
  const problem = error ? filterProblemOf(error) : undefined;
  useEffect(() => {
    if (problem?.position !== undefined && input.current) {
      input.current.focus();
      input.current.setSelectionRange(problem.position, problem.position + 1);
    }
  }, [error]);
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
        aria-label="Filter runs"
        aria-invalid={problem ? 'true' : 'false'}
        aria-describedby={problem ? 'filter-error' : undefined}
        placeholder="metrics.accuracy > 0.9 and params.model = 'cnn'"
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
      {problem && (
        <div id="filter-error" class="filter-error" role="alert">
          <div>{problem.message}</div>
          {problem.position !== undefined && (
            <pre class="caret">
              {value.slice(0, problem.position)}
              {/* The character the parser stopped at, or a marked space when it ran off the end. */}
              <mark>{value.charAt(problem.position) || ' '}</mark>
              {value.slice(problem.position + 1)}
              {'\n'}
              {' '.repeat(problem.position)}^
            </pre>
          )}
        </div>
      )}
    </form>
  );
}
