import { definePlugin } from '@labbook/core';
import { PLUGIN_NAME, TFJS_FLAVOR } from './constants.js';

/**
 * The `tfjs` model flavor. Core imports this module (and so TF.js) only when a model of that flavor
 * is saved or loaded, found through the `labbook.flavors` announcement in package.json.
 */
export default definePlugin({
  apiVersion: 2,
  name: PLUGIN_NAME,
  modelFlavors: {
    [TFJS_FLAVOR]: async () => (await import('./tfjs-flavor.js')).tfjsFlavor,
  },
});
