import { describe, expect, it } from "vitest";
import { checkRequest, refuseBody, studioHosts } from "./request-guard";

const hosts = studioHosts({}, "3000");

function request(method: string, pathname: string, headers: Record<string, string>) {
  return checkRequest({ method, pathname, headers: new Headers(headers) }, hosts);
}

const studio = { host: "127.0.0.1:3000" };
const sameOrigin = { ...studio, origin: "http://127.0.0.1:3000", "sec-fetch-site": "same-origin" };
const json = { "content-type": "application/json" };
const octets = { "content-type": "application/octet-stream" };

describe("the Host a request names", () => {
  it("is served at 127.0.0.1, localhost and [::1] on the studio's port", () => {
    for (const host of ["127.0.0.1:3000", "localhost:3000", "LOCALHOST:3000", "[::1]:3000"]) {
      expect(request("GET", "/", { host })).toBeNull();
    }
  });

  it("is refused with 403 and a sentence naming it when it is another name (DNS rebinding)", () => {
    const refusal = request("GET", "/api/datasets/x/export", { host: "evil.example:3000" });
    expect(refusal?.status).toBe(403);
    expect(refusal?.error).toContain("evil.example:3000");
    expect(refusal?.error).toContain("DISTILL_ALLOWED_HOSTS");
  });

  it("is refused at another port, without a port (port 80), or when missing or malformed", () => {
    for (const host of ["127.0.0.1:3001", "localhost", "127.0.0.1:3000@evil.example", "127.0.0.1:3000/x", ""]) {
      expect(request("GET", "/", host ? { host } : {})?.status, host).toBe(403);
    }
  });

  it("accepts what HOST and DISTILL_ALLOWED_HOSTS add", () => {
    const more = studioHosts({ HOST: "192.168.1.20", DISTILL_ALLOWED_HOSTS: "studio.lan, gpu-box:8443" }, "3000");
    const check = (host: string) => checkRequest({ method: "GET", pathname: "/", headers: new Headers({ host }) }, more);
    expect(check("192.168.1.20:3000")).toBeNull();
    expect(check("192.168.1.20:4000")?.status).toBe(403);
    // A name without a port is that name at any port (behind a reverse proxy the Host often has none).
    expect(check("studio.lan")).toBeNull();
    expect(check("studio.lan:3000")).toBeNull();
    expect(check("gpu-box:8443")).toBeNull();
    expect(check("gpu-box:3000")?.status).toBe(403);
    expect(check("127.0.0.1:3000")).toBeNull();
  });

  it("takes HOST=0.0.0.0 or :: as binding everywhere, not as a name", () => {
    for (const HOST of ["0.0.0.0", "::"]) {
      const all = studioHosts({ HOST }, "3000");
      expect(checkRequest({ method: "GET", pathname: "/", headers: new Headers({ host: `${HOST}:3000` }) }, all)?.status).toBe(403);
    }
  });

  it("names what is wrong with an allow-list entry that is not a host name", () => {
    expect(() => studioHosts({ DISTILL_ALLOWED_HOSTS: "http://studio.lan/" }, "3000")).toThrow(/DISTILL_ALLOWED_HOSTS.*http:\/\/studio\.lan\//);
  });
});

describe("a request that changes something or reads the API", () => {
  it("passes from the studio's own pages with the content type its route takes", () => {
    expect(request("POST", "/api/trpc/datasets.rename", { ...sameOrigin, ...json })).toBeNull();
    expect(request("POST", "/api/trpc/datasets.rename", { ...sameOrigin, "content-type": "application/json; charset=utf-8" })).toBeNull();
    expect(request("POST", "/api/uploads", { ...sameOrigin, ...octets })).toBeNull();
    expect(request("GET", "/api/datasets/x/export", { ...studio, "sec-fetch-site": "same-origin" })).toBeNull();
    expect(request("GET", "/api/trpc/jobs.events", { ...studio, "sec-fetch-site": "same-origin", accept: "text/event-stream" })).toBeNull();
  });

  it("is refused from a page on another port or site, whichever header tells", () => {
    const attacker = { ...studio, origin: "http://127.0.0.1:4444", "sec-fetch-site": "same-site" };
    for (const [method, path, type] of [
      ["POST", "/api/uploads", "text/plain"],
      ["POST", "/api/uploads", "application/octet-stream"],
      ["POST", "/api/trpc/datasets.rename", "application/json"],
      ["GET", "/api/datasets/x/export", ""],
    ] as const) {
      const refusal = request(method, path, { ...attacker, ...(type ? { "content-type": type } : {}) });
      expect(refusal?.status, `${method} ${path}`).toBe(403);
      expect(refusal?.error).toContain("http://127.0.0.1:4444");
    }
    expect(request("POST", "/api/uploads", { ...studio, origin: "null" })?.status).toBe(403);
    expect(request("GET", "/api/datasets/x/export", { ...studio, "sec-fetch-site": "cross-site" })?.error).toContain("cross-site");
    // A same-origin Sec-Fetch-Site does not excuse a foreign Origin.
    expect(request("POST", "/api/trpc/x", { ...studio, ...json, origin: "http://evil.example", "sec-fetch-site": "same-origin" })?.status).toBe(403);
  });

  it("passes without Origin and Sec-Fetch-Site (a client that is not a browser) when the Host is the studio's", () => {
    expect(request("POST", "/api/uploads", { ...studio, ...octets })).toBeNull();
    expect(request("POST", "/api/uploads", { host: "evil.example", ...octets })?.status).toBe(403);
  });

  it("passes an export opened from the address bar (Sec-Fetch-Site: none)", () => {
    expect(request("GET", "/api/datasets/x/export", { ...studio, "sec-fetch-site": "none" })).toBeNull();
  });

  it("is refused with 415 when the body is not the type its route takes, a cross-site simple request included", () => {
    const upload = request("POST", "/api/uploads", { ...sameOrigin, "content-type": "text/plain;charset=UTF-8" });
    expect(upload).toEqual({ status: 415, error: expect.stringContaining("application/octet-stream") });
    expect(upload?.error).toContain("text/plain");
    expect(request("POST", "/api/uploads", sameOrigin)?.error).toContain("no Content-Type");
    for (const type of ["text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"]) {
      expect(request("POST", "/api/trpc/datasets.rename", { ...sameOrigin, "content-type": type })?.status, type).toBe(415);
    }
  });

  it("leaves page navigations from other sites alone (a link to a run page), but not other methods on pages", () => {
    expect(request("GET", "/runs/abc", { ...studio, "sec-fetch-site": "cross-site" })).toBeNull();
    expect(request("POST", "/runs/abc", { ...studio, origin: "http://evil.example", "sec-fetch-site": "cross-site" })?.status).toBe(403);
  });
});


describe("a request with a body to a path that takes none (next.config.ts rewrites it to app/api/no-body)", () => {
  const post = (headers: Record<string, string>) =>
    new Request("http://127.0.0.1:3000/api/no-body?path=/runs", { method: "POST", headers: { "content-type": "text/plain", ...headers }, body: "x=1" });

  it("gets the guard's refusal, naming the path it was sent to", async () => {
    const foreignHost = refuseBody(post({ host: "evil.example" }), "/runs");
    expect(foreignHost.status).toBe(403);
    expect((await foreignHost.json()).error).toMatch(/answers only at .* not at "evil\.example"/);
    const otherSite = refuseBody(post({ ...studio, origin: "http://evil.example" }), "/runs");
    expect(otherSite.status).toBe(403);
    expect(await otherSite.json()).toEqual({ error: "Only the studio's own pages may use /runs; this request came from http://evil.example." });
  });

  it("is otherwise answered 405 with a sentence, its body unread", async () => {
    const req = post(sameOrigin);
    const response = refuseBody(req, "/runs");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    expect(await response.json()).toEqual({ error: "/runs takes no request body: the studio's pages and downloads answer GET." });
    expect(req.bodyUsed).toBe(false);
  });
});
