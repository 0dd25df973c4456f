import { type ProjectBackend, type ProjectLaunch, spawnProcessGroup } from '@labbook/core';

/** `-c` keys of the echo backend. */
export interface EchoBackendConfig {
  /** Text put before the echoed command (default `[echo]`). */
  prefix?: string;
  kill_timeout_ms?: number;
}

/**
 * A project backend that prints the command it is about to run, then runs it with `sh -c` in the
 * project folder. Small on purpose: it shows the whole contract. Core has already fetched the
 * project, checked the parameters and created the run; a backend only starts the command with the
 * run's environment (`launch.env`) and reports how it ended. `spawnProcessGroup` from core gives the
 * process-group handling that `cancel()` needs (nothing may be left running).
 */
export function echoProjectBackend(config: Readonly<Record<string, unknown>> = {}): ProjectBackend {
  const cfg = config as EchoBackendConfig;
  return {
    name: 'echo',
    async run(launch: ProjectLaunch) {
      launch.stdout.write(`${cfg.prefix ?? '[echo]'} ${launch.command}\n`);
      await launch.setTags({ 'echo.command': launch.command });
      return spawnProcessGroup('sh', ['-c', launch.command], {
        cwd: launch.project.dir,
        env: { ...process.env, ...launch.env },
        stdout: launch.stdout,
        stderr: launch.stderr,
        ...(typeof cfg.kill_timeout_ms === 'number' ? { killTimeoutMs: cfg.kill_timeout_ms } : {}),
      });
    },
  };
}
