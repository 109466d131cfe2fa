import { expect, test, type Page } from "@playwright/test";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const port = Number(process.env.E2E_PORT);
const studio = `http://127.0.0.1:${port}`;
const uploadsDir = join(process.env.E2E_DATA_DIR!, "uploads");

/** A request from the test process (not a browser), with whatever Host it is given. */
function send(path: string, opts: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: { host: opts.host ?? `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

const trpcInput = (input: unknown) => encodeURIComponent(JSON.stringify({ json: input }));
async function datasetName(id: string): Promise<string> {
  const res = await send(`/api/trpc/datasets.get?input=${trpcInput({ id })}`);
  return (JSON.parse(res.body) as { result: { data: { json: { name: string } } } }).result.data.json.name;
}
async function datasetCount(): Promise<number> {
  const res = await send(`/api/trpc/datasets.list`);
  return (JSON.parse(res.body) as { result: { data: { json: unknown[] } } }).result.data.json.length;
}
const uploadsNow = () => readdir(uploadsDir).catch(() => [] as string[]);

/** Console messages that report a Content-Security-Policy violation, and errors thrown in the page. */
function watchForViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (m) => /Content Security Policy|Refused to/i.test(m.text()) && seen.push(m.text()));
  page.on("pageerror", (e) => seen.push(e.message));
  return seen;
}

let datasetId = "";

test.beforeAll(async ({ browser }) => {
  // A small dataset, imported through the studio's own home page (its upload, import job and event stream).
  const file = join(await mkdtemp(join(tmpdir(), "distill-doors-")), "doors.jsonl");
  await writeFile(file, [1, 2, 3].map((i) => JSON.stringify({ instruction: `Say ${i}.`, input: "", output: `${i}.` })).join("\n"));
  const page = await browser.newPage({ baseURL: studio });
  const violations = watchForViolations(page);
  await page.goto("/");
  await page.getByTestId("upload-input").setInputFiles(file);
  await page.getByTestId("column-mapper").getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/datasets\/[^/?]+/);
  await expect(page.getByTestId("dataset-status")).toHaveText("ready");
  await expect(page.getByTestId("row-item").first()).toBeVisible();
  datasetId = page.url().split("/datasets/")[1]!.split(/[?#]/)[0]!;
  expect(violations).toEqual([]);
  await page.close();
});

test("the studio's pages carry the security headers and load without CSP violations", async ({ page }) => {
  const violations = watchForViolations(page);
  const home = await page.goto("/");
  const headers = home!.headers();
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["content-security-policy"]).toContain("default-src 'self'");
  await expect(page.getByRole("link", { name: "doors", exact: true })).toBeVisible();
  await page.goto(`/datasets/${datasetId}`);
  await expect(page.getByTestId("row-count")).toHaveText("3");
  await expect(page.getByTestId("histogram-prompt").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await page.goto("/runs");
  await expect(page.locator("h1")).toBeVisible();
  expect(violations).toEqual([]);
});

test("a page served from another port cannot upload, rename, launch or read", async ({ page }) => {
  const attacker = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>elsewhere</title><p>a page on another site</p>"));
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  try {
    const uploadsBefore = await uploadsNow();
    const datasetsBefore = await datasetCount();
    // The browser hides a no-cors response from the page; the network log still has the studio's answer.
    const statuses: Record<string, number> = {};
    page.on("response", (r) => r.url().startsWith(studio) && (statuses[`${r.request().method()} ${new URL(r.url()).pathname}`] = r.status()));
    await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);

    const outcome = await page.evaluate(
      async ({ studio, id }) => {
        // "Simple requests": a page on any site may send these without asking the server first.
        const post = (path: string, body: BodyInit) => fetch(`${studio}${path}`, { method: "POST", mode: "no-cors", body }).then(() => "sent", (e) => String(e));
        const form = new FormData();
        form.append("file", new Blob(["{}"]), "x.json");
        const read = await fetch(`${studio}/api/datasets/${id}/export`).then((r) => r.text(), (e) => `refused: ${e}`);
        await fetch(`${studio}/api/datasets/${id}/export`, { mode: "no-cors" }).catch(() => undefined);
        return {
          upload: await post("/api/uploads?name=planted.txt", "x".repeat(100_000)),
          uploadForm: await post("/api/uploads?name=planted.json", form),
          rename: await post("/api/trpc/datasets.rename", JSON.stringify({ json: { id, name: "renamed by another site" } })),
          launch: await post("/api/trpc/curriculum.loadDemo", "{}"),
          read,
        };
      },
      { studio, id: datasetId },
    );

    expect(outcome.read).toMatch(/^refused/);
    expect(statuses["POST /api/uploads"]).toBe(403);
    expect(statuses["POST /api/trpc/datasets.rename"]).toBe(403);
    expect(statuses["POST /api/trpc/curriculum.loadDemo"]).toBe(403);
    expect(statuses["GET /api/datasets/" + datasetId + "/export"]).toBe(403);
    expect(await uploadsNow()).toEqual(uploadsBefore);
    expect(await datasetName(datasetId)).toBe("doors");
    expect(await datasetCount()).toBe(datasetsBefore);
  } finally {
    attacker.close();
  }
});

test("a page whose name resolves to the studio (DNS rebinding) can neither read nor change anything", async ({ playwright, launchOptions }) => {
  // Chromium resolves evil.example to 127.0.0.1, as a rebinding DNS server would after the page loaded.
  const browser = await playwright.chromium.launch({ ...launchOptions, args: [...(launchOptions.args ?? []), "--host-resolver-rules=MAP evil.example 127.0.0.1"] });
  try {
    const page = await browser.newPage();
    const landing = await page.goto(`http://evil.example:${port}/`);
    expect(landing!.status()).toBe(403);
    const outcome = await page.evaluate(async (id) => {
      const exported = await fetch(`/api/datasets/${id}/export`);
      const renamed = await fetch("/api/trpc/datasets.rename", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: { id, name: "renamed by rebinding" } }),
      });
      return { exported: exported.status, exportBody: await exported.text(), renamed: renamed.status };
    }, datasetId);
    expect(outcome).toEqual({ exported: 403, exportBody: expect.stringContaining("evil.example"), renamed: 403 });
    expect(await datasetName(datasetId)).toBe("doors");
  } finally {
    await browser.close();
  }
});

test("a request naming a foreign Host is refused with a sentence saying why", async () => {
  const uploadsBefore = await uploadsNow();
  for (const path of ["/", `/api/datasets/${datasetId}/export`, `/api/trpc/datasets.list`]) {
    const res = await send(path, { host: "evil.example" });
    expect(res.status, path).toBe(403);
    expect(JSON.parse(res.body).error).toMatch(/answers only at .*127\.0\.0\.1.*not at "evil\.example"/);
  }
  const rename = await send("/api/trpc/datasets.rename", {
    method: "POST",
    host: `evil.example:${port}`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { id: datasetId, name: "renamed by a foreign host" } }),
  });
  expect(rename.status).toBe(403);
  const upload = await send("/api/uploads?name=planted.jsonl", { method: "POST", host: "evil.example", headers: { "content-type": "application/octet-stream" }, body: "{}" });
  expect(upload.status).toBe(403);
  expect(await uploadsNow()).toEqual(uploadsBefore);
  expect(await datasetName(datasetId)).toBe("doors");
  // The same requests naming the studio's own address pass: curl and scripts keep working.
  expect((await send(`/api/datasets/${datasetId}/export`)).status).toBe(200);
});
