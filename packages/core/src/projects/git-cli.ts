import { execFile } from 'node:child_process';

/** The outcome of one `git` command. */
export interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `git` CLI (clones need it: transports, credentials helpers and submodules are git's job).
 * Never prompts: a URI that needs credentials fails instead of hanging a run.
 */
export function git(args: string[], cwd?: string): Promise<GitResult> {
  return new Promise((resolvePromise) => {
    execFile(
      'git',
      args,
      { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'echo' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        const missing = code === 'ENOENT' ? 'the git command was not found on PATH; install git to run projects from git repositories' : '';
        resolvePromise({ ok: !error, stdout: String(stdout).trim(), stderr: missing || String(stderr).trim() });
      },
    );
  });
}
