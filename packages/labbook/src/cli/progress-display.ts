import cliProgress from 'cli-progress';
import type { TransferPlan, TransferProgress } from '@labbook/core';
import { formatBytes } from './output.js';
import { type TransferState, TransferMeter } from './transfer-meter.js';

/** How the progress line is shown: on a terminal only, always (logs, CI), or never. */
export type ProgressMode = 'auto' | 'always' | 'never';

/** The callbacks a transfer takes, and `stop` to print the last line once it is over. */
export interface ProgressDisplay {
  onPlan: (plan: TransferPlan) => void;
  onProgress: (event: TransferProgress) => void;
  stop: () => void;
}

const BAR_WIDTH = 24;

/** One line for people: a bar and percentage when the total is known, else what has moved so far. */
export function progressLine(verb: string, s: TransferState, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `${formatBytes((s.bytesDone * 1000) / elapsedMs)}/s` : '';
  const files = s.filesTotal !== undefined ? `${s.filesDone}/${s.filesTotal} files` : s.filesDone > 0 ? `${s.filesDone} files` : '';
  const parts: string[] = [];
  if (s.bytesTotal !== undefined) {
    const fraction = s.bytesTotal === 0 ? 1 : Math.min(1, s.bytesDone / s.bytesTotal);
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`${verb} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}%`);
    parts.push(`${formatBytes(s.bytesDone)} / ${formatBytes(s.bytesTotal)}`);
  } else {
    parts.push(`${verb} ${formatBytes(s.bytesDone)}`);
  }
  if (files) parts.push(files);
  if (rate) parts.push(rate);
  return parts.join(' | ');
}

/**
 * A progress line on stderr (stdout keeps only the result, for scripts), redrawn in place on a
 * terminal and printed every few seconds otherwise when `mode` is `always`.
 */
export function progressDisplay(verb: string, mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  const meter = new TransferMeter();
  if (mode === 'never' || (mode === 'auto' && !stream.isTTY)) {
    return { onPlan: () => {}, onProgress: () => {}, stop: () => {} };
  }
  const started = Date.now();
  // cli-progress does the terminal work (redraw in place, throttling, cursor, Ctrl-C); the line
  // itself is ours, since its value/total counters cannot show bytes and files together.
  const bar = new cliProgress.SingleBar({
    stream,
    format: () => progressLine(verb, meter.state, Date.now() - started),
    noTTYOutput: mode === 'always',
    notTTYSchedule: 2000,
    hideCursor: true,
    gracefulExit: true,
    linewrap: false,
  });
  // Started on the first news, so a log shows no empty '0 B' line while a tree is being listed.
  let shown = false;
  const redraw = () => {
    if (shown) bar.update(0);
    else {
      bar.start(1, 0);
      shown = true;
    }
  };
  return {
    onPlan: (plan) => {
      meter.setPlan(plan);
      redraw();
    },
    onProgress: (event) => {
      meter.update(event);
      redraw();
    },
    stop: () => {
      if (shown) bar.stop();
    },
  };
}
