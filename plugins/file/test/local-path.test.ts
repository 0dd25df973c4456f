import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localPathFromUri } from '../src/local-path.js';

describe('localPathFromUri', () => {
  it('reads ~ as the home folder, relative paths from the working directory, and file: URIs', () => {
    expect(localPathFromUri('~')).toBe(homedir());
    expect(localPathFromUri('~/mlruns')).toBe(join(homedir(), 'mlruns'));
    expect(localPathFromUri('./mlruns')).toBe(resolve('mlruns'));
    expect(localPathFromUri('file:///tmp/x')).toBe('/tmp/x');
    expect(localPathFromUri('file:rel/x')).toBe(resolve('rel/x'));
  });
});
