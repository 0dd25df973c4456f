import { execFile } from 'node:child_process';
import { access, readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { delimiter, join } from 'node:path';

const MB = 1e6;

/**
 * One source of system metrics (MLflow's `BaseMetricsMonitor`). Names are MLflow's, without the
 * `system/` prefix. `aggregate` says how samples between two logs become one point: MLflow averages
 * everything except network counters, which are cumulative and logged as the latest value.
 */
export interface SystemMetricsCollector {
  readonly name: string;
  readonly aggregate: 'mean' | 'latest';
  /** One reading; names missing from one reading are simply not logged for it. */
  sample(): Promise<Record<string, number>>;
}

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

async function memAvailableBytes(): Promise<number> {
  // `os.freemem()` leaves out reclaimable page cache, so on Linux it reads near 100% used; psutil
  // (and so MLflow) uses MemAvailable.
  if (process.platform === 'linux') {
    try {
      const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(await readFile('/proc/meminfo', 'utf8'));
      if (m) return Number(m[1]) * 1024;
    } catch {
      // fall through to the portable figure
    }
  }
  return os.freemem();
}

/** CPU utilization since the previous sample, and memory in use (MLflow's `CPUMonitor`). */
export function cpuCollector(): SystemMetricsCollector {
  let last = cpuTimes();
  return {
    name: 'cpu',
    aggregate: 'mean',
    async sample() {
      const now = cpuTimes();
      const total = now.total - last.total;
      const busy = total - (now.idle - last.idle);
      last = now;
      const totalMem = os.totalmem();
      const used = totalMem - (await memAvailableBytes());
      const out: Record<string, number> = {
        system_memory_usage_megabytes: used / MB,
        system_memory_usage_percentage: (used / totalMem) * 100,
      };
      if (total > 0) out.cpu_utilization_percentage = Math.max(0, Math.min(100, (busy / total) * 100));
      return out;
    },
  };
}

/** Usage of the file system holding `/` (MLflow's `DiskMonitor`, psutil's formulas). */
export function diskCollector(path = process.platform === 'win32' ? `${process.cwd().slice(0, 3)}` : '/'): SystemMetricsCollector {
  return {
    name: 'disk',
    aggregate: 'mean',
    async sample() {
      const s = await statfs(path);
      const used = (s.blocks - s.bfree) * s.bsize;
      const available = s.bavail * s.bsize;
      return {
        disk_usage_percentage: used + available > 0 ? (used / (used + available)) * 100 : 0,
        disk_usage_megabytes: used / MB,
        disk_available_megabytes: available / MB,
      };
    },
  };
}

/** Bytes received and sent by every interface, from `/proc/net/dev`; `null` where it does not exist. */
export async function readNetDev(file = '/proc/net/dev'): Promise<{ rx: number; tx: number } | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    rx += Number(fields[0]) || 0;
    tx += Number(fields[8]) || 0;
  }
  return { rx, tx };
}

/** Network traffic since the monitor started (MLflow's `NetworkMonitor`); Linux only. */
export function networkCollector(file = '/proc/net/dev'): SystemMetricsCollector {
  let base: Promise<{ rx: number; tx: number } | null> | undefined;
  return {
    name: 'network',
    aggregate: 'latest',
    async sample(): Promise<Record<string, number>> {
      base ??= readNetDev(file);
      const [start, now] = [await base, await readNetDev(file)];
      if (!start || !now) return {};
      return {
        network_receive_megabytes: Math.max(0, now.rx - start.rx) / MB,
        network_transmit_megabytes: Math.max(0, now.tx - start.tx) / MB,
      };
    },
  };
}

/** Where `command` is on the PATH, or `null`. */
export async function findOnPath(command: string, pathEnv = process.env.PATH ?? ''): Promise<string | null> {
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, command + ext);
      try {
        await access(candidate);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 5000, windowsHide: true }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** Parses `nvidia-smi --query-gpu=index,memory.used,memory.total,utilization.gpu,power.draw,power.limit --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of csv.split('\n')) {
    const cells = line.split(',').map((c) => Number(c.trim()));
    if (cells.length < 4 || !Number.isInteger(cells[0])) continue;
    const [index, usedMiB, totalMiB, util, power, limit] = cells as [number, number, number, number, number?, number?];
    const p = `gpu_${index}_`;
    // nvidia-smi reports MiB; MLflow logs bytes / 1e6 from NVML.
    if (Number.isFinite(usedMiB)) out[`${p}memory_usage_megabytes`] = (usedMiB * 1048576) / MB;
    if (Number.isFinite(usedMiB) && Number.isFinite(totalMiB) && totalMiB > 0)
      out[`${p}memory_usage_percentage`] = (usedMiB / totalMiB) * 100;
    if (Number.isFinite(util)) out[`${p}utilization_percentage`] = util;
    // "[N/A]" on boards without power readings parses to NaN and is left out.
    if (power !== undefined && Number.isFinite(power)) out[`${p}power_usage_watts`] = power;
    if (power !== undefined && limit !== undefined && Number.isFinite(power) && Number.isFinite(limit) && limit > 0) {
      out[`${p}power_usage_percentage`] = (power / limit) * 100;
    }
  }
  return out;
}

/**
 * NVIDIA GPUs through `nvidia-smi` (MLflow uses NVML through pynvml; a CLI keeps core free of native
 * bindings). Without `nvidia-smi` on the PATH, or when it fails, it reports nothing and says nothing:
 * most machines have no GPU and that is not worth a warning.
 */
export function gpuCollector(executable: Promise<string | null> = findOnPath('nvidia-smi')): SystemMetricsCollector {
  let broken = false;
  return {
    name: 'gpu',
    aggregate: 'mean',
    async sample() {
      const exe = await executable;
      if (!exe || broken) return {};
      try {
        return parseNvidiaSmi(
          await run(exe, [
            '--query-gpu=index,memory.used,memory.total,utilization.gpu,power.draw,power.limit',
            '--format=csv,noheader,nounits',
          ]),
        );
      } catch {
        broken = true;
        return {};
      }
    },
  };
}

/** The collectors MLflow runs by default: CPU and memory, disk, network, GPU when present. */
export function defaultCollectors(): SystemMetricsCollector[] {
  return [cpuCollector(), diskCollector(), networkCollector(), gpuCollector()];
}
