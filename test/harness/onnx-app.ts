import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Makes `dir` a user's project that depends on @labbook/plugin-onnx (linked to this repository's
 * plugin), which is how labbook's plugin discovery finds the onnx flavor for processes run there.
 */
export function makeOnnxApp(dir: string, name: string): void {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, dependencies: { '@labbook/plugin-onnx': '*' } }));
  mkdirSync(join(dir, 'node_modules', '@labbook'), { recursive: true });
  symlinkSync(join(import.meta.dirname, '..', '..', 'plugins', 'onnx'), join(dir, 'node_modules', '@labbook', 'plugin-onnx'), 'dir');
}
