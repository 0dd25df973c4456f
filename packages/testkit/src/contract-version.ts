/**
 * The plugin contract version these suites check: `create` returns a store of this contract (whose
 * searches take parsed queries and answer with a `SearchAnswer`), and the suites drive it through
 * core's guard, as `resolveTrackingStore` would. A store of contract v1 runs them through core's
 * adapter: `create: async () => adaptTrackingStoreV1(new MyV1Store())` (from `@labbook/core/plugin`).
 */
export const CONTRACT_VERSION = 2;
