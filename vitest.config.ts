import { defineConfig } from 'vitest/config';

// unit: pure logic, fast, no engine. integration: a real Docker engine and real sshd containers
// (scripts/ensure-docker.sh prepares them). e2e: a real browser driven by playwright-core.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          environment: 'node',
          globalSetup: ['test/support/unit-global-setup.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/support/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          // Files share one Docker engine; running them one at a time keeps timings honest on 2 cores.
          fileParallelism: false,
        },
      },
      {
        test: {
          // A real browser (Debian's Chromium via playwright-core) against the browser-mode server, with
          // the real engine and Docker. The renderer is built once first.
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/support/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
