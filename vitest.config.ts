import { defineConfig } from "vitest/config";

// Two projects, both run by `npm test`: "unit" (every test file) and "slow" (*.slow.test.ts: the
// large differential machines and the 10,000,000-operation reference churn), so the slow suites run
// beside the rest instead of after it, and `vitest run --project unit` gives a quick loop.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    pool: "forks",
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: ["test/**/*.slow.test.ts"] } },
      { extends: true, test: { name: "slow", include: ["test/**/*.slow.test.ts"] } },
    ],
  },
});
