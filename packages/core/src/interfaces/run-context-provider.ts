/**
 * Supplies tags that are set automatically when the fluent API starts a new run (user, source, git
 * commit, CI job…). Providers that are in context are merged in registration order (later wins), and
 * tags the user passes override them all. A provider that throws is reported and skipped.
 */
export interface RunContextProvider {
  /** A short name for messages (`git`, `github-actions`). */
  readonly name: string;
  /** Whether this provider applies here (inside a git checkout, on a CI runner…). */
  inContext(): boolean | Promise<boolean>;
  /** The tags to set. */
  tags(): Record<string, string> | Promise<Record<string, string>>;
}
