import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactLocations } from '../src/artifact-locations.js';
import { modelVersionSourceChecker } from '../src/model-version-source.js';

// The server's location and source checks use core's one forbidden-character rule: each refuses
// what either of the older regexes did (control characters, `\`, `#`, `;`, raw or encoded).
const root = mkdtempSync(join(tmpdir(), 'labbook-rule-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const locations = new ArtifactLocations({ localRoots: [root], defaultRoot: root });
const FORBIDDEN = ['a#b', 'a;b', 'a\\b', 'a\u0000b', 'a\nb', 'a%23b', 'a%3Bb', 'a%5Cb', 'a%00b', 'a%0Ab', 'a%250Ab'];

describe('experiment artifact_location', () => {
  it.each(FORBIDDEN)('refuses %j in a local or remote location', (bad) => {
    expect(() => locations.checkExperimentLocation(`${root}/${bad}`)).toThrow(/INVALID|Invalid artifact location/);
    expect(() => locations.checkExperimentLocation(`s3://bucket/${bad}`)).toThrow(/Invalid artifact location/);
  });

  it('accepts a plain folder inside the root, in an upper-case FILE: URI too, and refuses a prefix sibling', () => {
    expect(locations.checkExperimentLocation(`${root}/exp`)).toBe(`${root}/exp`);
    expect(locations.checkExperimentLocation(`FILE://${root}/exp`)).toBe(`FILE://${root}/exp`);
    expect(() => locations.checkExperimentLocation(`${root}x/exp`)).toThrow(/inside the server's artifact root/);
  });
});

describe('model version source', () => {
  const check = modelVersionSourceChecker({ locations });
  it.each(FORBIDDEN)('refuses %j', async (bad) => {
    await expect(check(`s3://bucket/${bad}`, undefined, undefined)).rejects.toThrow(/Invalid model version source/);
  });

  it('accepts a clean remote source', async () => {
    await expect(check('s3://bucket/model', undefined, undefined)).resolves.toBeUndefined();
  });
});
