import { defineConfig } from 'vitest/config';

// Two projects: "unit" is pure (fixtures, no root, no network); "fleet" drives real nodes
// (systemd-nspawn + sshd + sudo) and needs root. Fleet files run one at a time: each boots
// its own nodes, and two files booting at once would only compete for the machine's two cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'fleet',
          include: ['test/fleet/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          globalSetup: ['test/fleet/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
