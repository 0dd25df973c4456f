import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { ProjectExecution, ProjectExitResult } from './project-backend.js';

/** Options of {@link spawnProcessGroup}. */
export interface ProcessGroupOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: Writable;
  stderr: Writable;
  /** How long `cancel()` waits after SIGTERM before SIGKILL; default 5000 ms. */
  killTimeoutMs?: number;
  /** Called by `cancel()` before the group is signalled (e.g. `docker kill` of a container). */
  beforeKill?: () => Promise<void>;
}

/**
 * Whether any live process remains in process group `pgid`. A killed process that nobody reaps (no
 * init in a container) stays a zombie and still answers `kill(-pgid, 0)`, so on Linux the group's
 * members are read from /proc and zombies do not count.
 */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command: state ppid pgrp …
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `bash -c command` as the leader of a new process group (detached), streaming its output, so
 * that cancelling can stop the whole tree it starts (`kill(-pgid)`): SIGTERM first, SIGKILL after
 * `killTimeoutMs`, and `cancel()` resolves only when no process of the group is left.
 */
export function spawnProcessGroup(file: string, args: string[], options: ProcessGroupOptions): ProjectExecution {
  const child: ChildProcess = spawn(file, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // Not piped with end: true, so the caller's process.stdout is never closed by a child.
  child.stdout?.on('data', (chunk: Buffer) => options.stdout.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => options.stderr.write(chunk));
  let cancelled = false;
  let settled: ProjectExitResult | undefined;
  const done = new Promise<ProjectExitResult>((resolveDone) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = { exitCode, signal, cancelled };
      resolveDone(settled);
    };
    child.once('error', (error) => {
      options.stderr.write(`[labbook] could not start ${file}: ${error.message}\n`);
      finish(127, null);
    });
    // 'exit', not 'close': a background process that keeps the pipes open must not hold the run.
    child.once('exit', (code, signal) => {
      // Let the output already in the pipes arrive before the run is reported as ended.
      setImmediate(() => finish(code, signal));
    });
  });
  const pgid = child.pid;
  let cancelling: Promise<void> | undefined;
  return {
    ...(pgid !== undefined ? { pid: pgid } : {}),
    wait: () => done,
    cancel() {
      if (pgid === undefined) return Promise.resolve();
      cancelling ??= (async () => {
        if (!settled) cancelled = true;
        await options.beforeKill?.().catch(() => {});
        if (!processGroupAlive(pgid) && settled) return;
        signalGroup(pgid, 'SIGTERM');
        const deadline = Date.now() + (options.killTimeoutMs ?? 5000);
        while (processGroupAlive(pgid) && Date.now() < deadline) await sleep(25);
        if (processGroupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
        while (processGroupAlive(pgid)) await sleep(10);
        await done;
      })();
      return cancelling;
    },
  };
}
