/** Artifacts (a run's or a logged model's) as a folder tree (folders listed when opened) beside a preview of the chosen file. */
import { useEffect, useState } from 'preact/hooks';
import type { FileInfo } from '../api/types';
import type { ArtifactSource } from '../artifact-source';
import { formatBytes } from '../formatting';
import { ArtifactPreview } from './ArtifactPreview';
import { ErrorBanner } from './ErrorBanner';
import { ModelPreview } from './ModelPreview';

function Folder({
  source,
  path,
  onPick,
  picked,
}: {
  source: ArtifactSource;
  path: string;
  onPick: (f: FileInfo) => void;
  picked?: string;
}) {
  const [files, setFiles] = useState<FileInfo[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [open, setOpen] = useState<Set<string>>(new Set());
  useEffect(() => {
    source.list(path).then(setFiles, setError);
  }, [source.key, path]);
  if (error !== undefined) return <ErrorBanner error={error} />;
  if (!files) return <p class="muted">Loading…</p>;
  if (files.length === 0 && path === '') return <p class="muted">No artifacts.</p>;
  return (
    // Plain nested lists of buttons: every entry is reachable with Tab and opened with Enter or Space.
    <ul class="tree">
      {files.map((f) => {
        const name = f.path.split('/').pop();
        const isOpen = open.has(f.path);
        return (
          <li key={f.path}>
            <button
              type="button"
              aria-expanded={f.is_dir ? isOpen : undefined}
              aria-pressed={f.is_dir ? undefined : picked === f.path}
              class={`tree-item${picked === f.path ? ' picked' : ''}`}
              onClick={() => {
                if (f.is_dir) {
                  const s = new Set(open);
                  if (isOpen) s.delete(f.path);
                  else s.add(f.path);
                  setOpen(s);
                } else onPick(f);
              }}
            >
              {f.is_dir ? (isOpen ? '▾ ' : '▸ ') : ''}
              {name}
              {!f.is_dir && <span class="muted"> {formatBytes(f.file_size)}</span>}
            </button>
            {f.is_dir && isOpen && <Folder source={source} path={f.path} onPick={onPick} {...(picked !== undefined ? { picked } : {})} />}
          </li>
        );
      })}
    </ul>
  );
}

/** The artifact tree of one run or logged model (folders listed when opened) and the preview of the chosen file. */
export function ArtifactBrowser({ source }: { source: ArtifactSource }) {
  const [picked, setPicked] = useState<FileInfo | undefined>();
  return (
    <div class="artifacts">
      <nav class="artifact-tree" aria-label="Artifacts">
        <Folder source={source} path="" onPick={setPicked} {...(picked !== undefined ? { picked: picked.path } : {})} />
      </nav>
      <div class="artifact-preview">
        {picked ? (
          // An MLmodel file stands for its whole folder: shown as the model, not as YAML.
          picked.path.split('/').pop() === 'MLmodel' ? (
            <ModelPreview source={source} path={picked.path} {...(picked.file_size !== undefined ? { size: picked.file_size } : {})} />
          ) : (
            // Keyed: a new file starts from "Loading…", not one render of the previous file's content under its name.
            <ArtifactPreview
              key={picked.path}
              source={source}
              path={picked.path}
              {...(picked.file_size !== undefined ? { size: picked.file_size } : {})}
            />
          )
        ) : (
          <p class="muted">Choose a file to preview it.</p>
        )}
      </div>
    </div>
  );
}
