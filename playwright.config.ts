import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Workers re-read this file: the env keeps the port and data folder the runner chose. The port varies by
// process so two test runs on one machine do not collide.
const port = Number((process.env.E2E_PORT ??= String(3100 + (process.pid % 800))));
// A fresh data folder per run: tests start from an empty studio, as a new user would.
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), "distill-e2e-"));
process.env.E2E_DATA_DIR = dataDir;
// A small upload limit, so e2e/doors.spec.ts can send a file just over it (the largest file the specs import is 0.9 MB).
const maxUploadMb = (process.env.E2E_MAX_UPLOAD_MB ??= "2");

export default defineConfig({
  testDir: "e2e",
  timeout: 300_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
    trace: "retain-on-failure",
    // A click on an element that never comes fails within a minute, naming it, instead of at the test's timeout.
    actionTimeout: 60_000,
  },
  webServer: {
    // Playwright runs the command in a shell. The server's stdout and stderr both go to server.log in the data
    // folder, where e2e/doors.spec.ts looks for exceptions; stderr goes on to the runner's output as before.
    command: `npx next start -H 127.0.0.1 -p ${port} 2>&1 >>'${join(dataDir, "server.log")}' | tee -a '${join(dataDir, "server.log")}' >&2`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: { DISTILL_DATA_DIR: dataDir, HF_HUB_OFFLINE: "1", DISTILL_E2E: "1", DISTILL_MAX_UPLOAD_MB: maxUploadMb },
  },
});
