import { describe, expect, it } from 'vitest';
import { progressLine } from '../src/cli/progress-display.js';
import { TransferMeter } from '../src/cli/transfer-meter.js';

describe('TransferMeter', () => {
  it('adds up files moving at once, each reported cumulatively', () => {
    const meter = new TransferMeter();
    meter.setPlan({ files: 2, bytesTotal: 300 });
    meter.update({ path: 'a', bytesDone: 50, bytesTotal: 100 });
    meter.update({ path: 'b', bytesDone: 120, bytesTotal: 200 });
    meter.update({ path: 'a', bytesDone: 100, bytesTotal: 100 });
    expect(meter.state).toEqual({ bytesDone: 220, bytesTotal: 300, filesDone: 1, filesTotal: 2 });
    // A file started over after a retry counts from zero again, not twice.
    meter.update({ path: 'b', bytesDone: 10, bytesTotal: 200 });
    expect(meter.state.bytesDone).toBe(110);
    meter.update({ path: 'b', bytesDone: 200, bytesTotal: 200 });
    expect(meter.state).toEqual({ bytesDone: 300, bytesTotal: 300, filesDone: 2, filesTotal: 2 });
  });

  it('takes a lone file’s own total when the plan has none, and never guesses one for a tree', () => {
    const lone = new TransferMeter();
    lone.setPlan({ files: 1 });
    lone.update({ path: 'x', bytesDone: 5, bytesTotal: 20 });
    expect(lone.state).toEqual({ bytesDone: 5, bytesTotal: 20, filesDone: 0, filesTotal: 1 });
    const tree = new TransferMeter();
    tree.setPlan({ files: 3 });
    tree.update({ path: 'x', bytesDone: 5, bytesTotal: 5 });
    tree.update({ path: 'y', bytesDone: 1 });
    expect(tree.state).toEqual({ bytesDone: 6, filesDone: 1, filesTotal: 3 });
  });
});

describe('progressLine', () => {
  it('shows a bar, bytes, files and rate when the total is known', () => {
    expect(progressLine('uploading', { bytesDone: 1_500_000, bytesTotal: 3_000_000, filesDone: 1, filesTotal: 4 }, 1000)).toBe(
      'uploading [############------------] 50% | 1.50 MB / 3.00 MB | 1/4 files | 1.50 MB/s',
    );
  });

  it('shows what has moved when the total is unknown, and 100% for an empty transfer', () => {
    expect(progressLine('downloading', { bytesDone: 2048, filesDone: 3 }, 0)).toBe('downloading 2.05 KB | 3 files');
    expect(progressLine('downloading', { bytesDone: 0, bytesTotal: 0, filesDone: 0, filesTotal: 0 }, 10)).toBe(
      'downloading [########################] 100% | 0 B / 0 B | 0/0 files | 0 B/s',
    );
  });
});
