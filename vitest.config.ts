import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['props/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The JSON report is what .ci/run reads to print its closing "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    typecheck: { enabled: false },
    // builds build/kernels.wasm (the wasm backend's kernels) when it is missing or stale
    globalSetup: ['test/setup/wasm-kernels.ts'],
  },
});
