/** Where in a filter the server's parser stopped: its messages say `at position N`. */
export interface FilterProblem {
  message: string;
  position?: number;
}

/** Pulls the position and the first line out of a search-grammar error message. */
export function filterProblemOf(message: string): FilterProblem {
  const m = /at position (\d+)/.exec(message);
  const first = message.split('\n')[0] ?? message;
  return m ? { message: first, position: Number(m[1]) } : { message: first };
}
