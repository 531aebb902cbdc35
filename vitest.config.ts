import { defineConfig } from 'vitest/config';

// unit: pure logic, fast, no engine. integration: a real Docker engine and real sshd containers
// (scripts/ensure-docker.sh prepares them). e2e runs under Playwright, not here.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 240_000,
          hookTimeout: 240_000,
          // Files share one Docker engine; running them one at a time keeps timings honest on 2 cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
