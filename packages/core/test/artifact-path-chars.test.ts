import { describe, expect, it } from 'vitest';
import { FORBIDDEN_ARTIFACT_PATH_CHARS, hasForbiddenArtifactPathChar, normalizeArtifactPath } from '../src/artifacts/artifact-path.js';
import { LabbookError } from '../src/errors.js';

describe('hasForbiddenArtifactPathChar', () => {
  it.each([
    'nul\u0000byte',
    'line\nbreak',
    'tab\there',
    'del\u007f',
    'a\\b',
    'a#b',
    'a;b',
    'a%00b',
    'a%5Cb',
    'a%5cb',
    'a%23b',
    'a%3Bb',
    'a%0Ab',
    'a%2500b',
    'a%25255Cb',
    's3://bucket/x%23y',
  ])('refuses %j, raw or under any decoding', (s) => {
    expect(hasForbiddenArtifactPathChar(s)).toBe(true);
  });

  it.each(['model/MLmodel', 'a b/c', 'v1.0', '100%', 'a%zzb', 'a%2Fb', 'é/ü', 's3://bucket/key', '..', 'a/%2e%2e/b'])(
    'admits %j (dot segments are normalizeArtifactPath’s business)',
    (s) => {
      expect(hasForbiddenArtifactPathChar(s)).toBe(false);
    },
  );

  it('refuses a path still encoded after 10 rounds, naming the field', () => {
    let encoded = 'x';
    for (let i = 0; i < 12; i++) encoded = encodeURIComponent(`%${encoded}`);
    expect(() => hasForbiddenArtifactPathChar(`a${encoded}`, 'artifact_location')).toThrow(LabbookError);
    expect(() => hasForbiddenArtifactPathChar(`a${encoded}`, 'artifact_location')).toThrow(/artifact_location/);
  });

  it('is the rule normalizeArtifactPath applies, with the same words', () => {
    for (const s of ['a#b', 'a%5Cb', 'x\u0001']) {
      expect(() => normalizeArtifactPath(s)).toThrow(FORBIDDEN_ARTIFACT_PATH_CHARS);
    }
  });
});
