import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withMetaLock } from '../src/meta-lock.js';
import { removeTempRoots, tempRoot } from './helpers/temp-root.js';

describe('withMetaLock', () => {
  afterEach(removeTempRoots);

  it('answers RESOURCE_DOES_NOT_EXIST, not a raw ENOENT, when the folder vanished (a concurrent delete)', async () => {
    const dir = join(tempRoot(), 'exp');
    mkdirSync(dir);
    rmSync(dir, { recursive: true });
    await expect(withMetaLock(dir, async () => 'changed')).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: expect.stringContaining('concurrent delete'),
    });
  });
});
