import { execFile } from 'node:child_process';

/** The outcome of one `docker` CLI command. */
export interface DockerResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Runs the `docker` CLI; the daemon is found as docker finds it (DOCKER_HOST, contexts). */
export function docker(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<DockerResult> {
  return new Promise((resolveResult) => {
    execFile(
      'docker',
      args,
      { cwd: options.cwd, timeout: options.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const missing = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT' ? 'the docker command was not found on PATH' : '';
        resolveResult({ ok: !error, stdout: String(stdout).trim(), stderr: missing || String(stderr).trim() || (error?.message ?? '') });
      },
    );
  });
}

/**
 * Why no Docker daemon can be used from here, or undefined when one answers. Tests use it to skip
 * with the reason; the docker backend to fail before a run is created.
 */
export async function dockerUnavailableReason(): Promise<string | undefined> {
  const r = await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15000 });
  if (r.ok && r.stdout) return undefined;
  return (r.stderr || 'docker version reported no server').split('\n').filter(Boolean).slice(-1)[0];
}
