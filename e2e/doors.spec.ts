import { expect, test, type Page } from "@playwright/test";
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer, request, type ClientRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const port = Number(process.env.E2E_PORT);
const studio = `http://127.0.0.1:${port}`;
const uploadsDir = join(process.env.E2E_DATA_DIR!, "uploads");
const serverLog = join(process.env.E2E_DATA_DIR!, "server.log");
const uploadLimit = Number(process.env.E2E_MAX_UPLOAD_MB) * 1024 * 1024;

type Answer = { status: number; headers: IncomingHttpHeaders; body: string };
type SendOptions = { method?: string; host?: string; headers?: Record<string, string> };

/** A request from the test process (not a browser), with whatever Host it is given; `write` sends its body. */
function sendWith(path: string, opts: SendOptions, write: (req: ClientRequest) => void) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: { host: opts.host ?? `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    write(req);
  });
}
const send = (path: string, opts: SendOptions & { body?: string } = {}) => sendWith(path, opts, (req) => req.end(opts.body));

/** Sends `bytes` of a body in 64 KB chunks, chunked (no Content-Length) unless the headers declare one. */
async function writeBody(req: ClientRequest, bytes: number) {
  for (let sent = 0; sent < bytes; sent += 65_536) {
    if (!req.write(Buffer.alloc(Math.min(65_536, bytes - sent), 0x61))) await new Promise((r) => req.once("drain", r));
  }
}

/** What the server logged while `act` ran (playwright.config.ts sends its output to E2E_DATA_DIR/server.log). */
async function serverLogDuring<T>(act: () => Promise<T>): Promise<{ result: T; log: string }> {
  const from = (await stat(serverLog)).size;
  const result = await act();
  // An exception thrown by a request stream after the answer is logged after it.
  await new Promise((r) => setTimeout(r, 1_000));
  return { result, log: (await readFile(serverLog)).subarray(from).toString() };
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

    // Chromium resets the connection of a no-cors response it blocks: the refusals leave nothing in the log.
    const { result: outcome, log } = await serverLogDuring(() =>
      page.evaluate(
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
            page: await post("/", "x=1"),
            exportWithBody: await post(`/api/datasets/${id}/export`, "x=1"),
            read,
          };
        },
        { studio, id: datasetId },
      ),
    );

    expect(outcome.read).toMatch(/^refused/);
    expect(statuses["POST /api/uploads"]).toBe(403);
    expect(statuses["POST /api/trpc/datasets.rename"]).toBe(403);
    expect(statuses["POST /api/trpc/curriculum.loadDemo"]).toBe(403);
    expect(statuses["POST /"]).toBe(403);
    expect(statuses["POST /api/datasets/" + datasetId + "/export"]).toBe(403);
    expect(statuses["GET /api/datasets/" + datasetId + "/export"]).toBe(403);
    expect(await uploadsNow()).toEqual(uploadsBefore);
    expect(await datasetName(datasetId)).toBe("doors");
    expect(await datasetCount()).toBe(datasetsBefore);
    expect(log).not.toMatch(/uncaught|unhandled/i);
    expect(log).not.toMatch(/Error:/);
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
  // /datasets only redirects (app/datasets/page.tsx), and is refused before it does: next.config.ts's redirects()
  // would answer before proxy.ts.
  for (const path of ["/", "/datasets", `/api/datasets/${datasetId}/export`, `/api/trpc/datasets.list`]) {
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

test("a request with a body is refused like one without: a foreign Host anywhere, another site's page on a page path", async () => {
  const form = { "content-type": "application/x-www-form-urlencoded" };
  for (const path of ["/", "/datasets", "/runs", `/api/datasets/${datasetId}/export`, `/api/datasets/${datasetId}/rejected`]) {
    const res = await send(path, { method: "POST", host: "evil.example", headers: form, body: "name=planted" });
    expect(res.status, path).toBe(403);
    expect(JSON.parse(res.body).error, path).toMatch(/answers only at .*127\.0\.0\.1.*not at "evil\.example"/);
  }
  for (const path of ["/", `/datasets/${datasetId}`, `/api/datasets/${datasetId}/export`]) {
    const res = await send(path, { method: "POST", headers: { ...form, origin: "http://evil.example" }, body: "name=planted" });
    expect(res.status, path).toBe(403);
    expect(JSON.parse(res.body).error, path).toBe(`Only the studio's own pages may use ${path}; this request came from http://evil.example.`);
  }
  // From the studio's own address a body is refused too: those paths take none.
  const sameOrigin = await send("/runs", { method: "POST", headers: { ...form, origin: studio }, body: "name=planted" });
  expect(sameOrigin.status).toBe(405);
  expect(JSON.parse(sameOrigin.body).error).toBe("/runs takes no request body: the studio's pages and downloads answer GET.");
  // A declared length of zero is no body: a GET saying so is served.
  expect((await send("/runs", { headers: { "content-length": "0" } })).status).toBe(200);
  // A client that goes away halfway through a body it sent to a refused path leaves the server serving, quietly.
  const { log } = await serverLogDuring(async () => {
    await new Promise<void>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/", method: "POST", headers: { host: "evil.example", "content-length": String(1 << 20) } });
      req.on("error", () => resolve());
      req.write(Buffer.alloc(4096), () => setTimeout(() => (req.destroy(), resolve()), 300));
    });
  });
  expect(log).not.toMatch(/uncaught|unhandled/i);
  expect(log).not.toMatch(/Error:/);
  expect((await send("/")).status).toBe(200);
});

test("an upload over the size limit answers 413 with a sentence, keeps nothing and logs no exception", async ({ page }) => {
  const uploadsBefore = await uploadsNow();
  const tooLarge = `the file is larger than the ${process.env.E2E_MAX_UPLOAD_MB} MB upload limit`;
  const octets = { "content-type": "application/octet-stream" };
  const { log } = await serverLogDuring(async () => {
    // The studio's own page, as the upload form sends a file one byte over the limit (with its length declared).
    await page.goto("/");
    const fromPage = await page.evaluate(async (bytes) => {
      const res = await fetch("/api/uploads?name=big.jsonl", { method: "POST", headers: { "content-type": "application/octet-stream" }, body: new Blob([new Uint8Array(bytes)]) });
      return { status: res.status, body: await res.json() };
    }, uploadLimit + 1);
    expect(fromPage).toEqual({ status: 413, body: { error: `big.jsonl: ${tooLarge}` } });

    // The same streamed without a length: the server counts it and stops storing at the limit.
    const streamed = await sendWith("/api/uploads?name=streamed.jsonl", { method: "POST", headers: octets }, (req) => void writeBody(req, uploadLimit + 1).then(() => req.end()));
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toEqual({ error: `streamed.jsonl: ${tooLarge}` });

    // A client declaring a huge length is answered before it sends it, and then hangs up.
    let client: ClientRequest | undefined;
    const declared = await sendWith("/api/uploads?name=huge.jsonl", { method: "POST", headers: { ...octets, "content-length": String(50 * 1024 ** 3) } }, (req) => {
      client = req;
      void writeBody(req, 256 * 1024);
    });
    client!.destroy();
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({ error: `huge.jsonl: ${tooLarge}` });
  });
  expect(log).not.toMatch(/uncaught|unhandled/i);
  expect(log).not.toMatch(/Error:/);
  const uploads = await uploadsNow();
  expect(uploads.filter((name) => name.endsWith(".part"))).toEqual([]);
  expect(uploads).toEqual(uploadsBefore);
  expect((await send("/")).status).toBe(200);
});
