/** A project run's source (repo, commit, entry point) and the `labbook run` command that reproduces it. */
import { useState } from 'preact/hooks';
import type { KeyValue } from '../api/types';
import { projectSourceOf } from '../project-command';

export function ProjectSourcePanel({ tags, params }: { tags: KeyValue[]; params: KeyValue[] }) {
  const [copied, setCopied] = useState(false);
  const source = projectSourceOf(tags, params);
  if (!source) return null;
  const copy = () => {
    // Clipboard access needs a secure context; where it is missing the command stays selectable.
    navigator.clipboard?.writeText(source.command).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <section class="project-source" aria-label="Project source">
      <h2>Project</h2>
      <dl class="info">
        <dt>Source</dt>
        <dd class="mono wrap">{source.uri}</dd>
        {source.repoUrl && source.repoUrl !== source.uri && (
          <>
            <dt>Repository</dt>
            <dd class="mono wrap">{source.repoUrl}</dd>
          </>
        )}
        {source.commit && (
          <>
            <dt>Commit</dt>
            <dd class="mono">
              {source.commit}
              {source.branch ? ` (${source.branch})` : ''}
            </dd>
          </>
        )}
        <dt>Entry point</dt>
        <dd class="mono">{source.entryPoint}</dd>
        {source.backend && (
          <>
            <dt>Backend</dt>
            <dd>{source.backend}</dd>
          </>
        )}
      </dl>
      <p class="muted">Run it again with:</p>
      <pre class="mono wrap">
        <code>{source.command}</code>
      </pre>
      <button type="button" onClick={copy}>
        {copied ? 'Copied' : 'Copy command'}
      </button>
    </section>
  );
}
