/**
 * Which requests the studio answers. It has no login: whoever can make a browser send it a request can read and
 * delete datasets and launch runs. So a request must name the studio by one of its own addresses (a DNS-rebinding
 * page names its own), and anything that changes state or reads the API must come from the studio's own pages,
 * with the body type its route takes (a cross-site form or `text/plain` "simple request" is sent without a CORS
 * preflight, so refusing its content type is what stops it).
 *
 * Requests with neither Origin nor Sec-Fetch-Site come from clients that are not browsers (curl, scripts, the
 * tests): every browser that can run today's studio sends Origin on cross-origin requests and Sec-Fetch-Site on
 * all of them, so such a request cannot be a page on another site; it passes when its Host is the studio's.
 */

type HostRule = { hostname: string; port: string | null };
export type StudioHosts = { rules: HostRule[] };
export type Refusal = { status: 403 | 415; error: string };
type GuardedRequest = { method: string; pathname: string; headers: Headers };

/** Host header syntax only: a name or IP literal and a port, nothing a URL parser would read as userinfo or path. */
const HOST_SYNTAX = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i;
const UNSPECIFIED = new Set(["0.0.0.0", "[::]"]);

/** Body types by route: tRPC's client posts JSON; the upload page posts the raw file as octets. */
const BODY_TYPES: Array<[prefix: string, type: string]> = [
  ["/api/trpc/", "application/json"],
  ["/api/uploads", "application/octet-stream"],
];

function parseHost(value: string): { hostname: string; port: string } | null {
  if (!HOST_SYNTAX.test(value)) return null;
  try {
    const url = new URL(`http://${value}`);
    return { hostname: url.hostname, port: url.port || "80" };
  } catch {
    return null;
  }
}

/**
 * The addresses the studio answers at: 127.0.0.1, localhost and [::1] at its port, the HOST it was bound to, and
 * DISTILL_ALLOWED_HOSTS (comma-separated; `name` allows that name at any port, `name:port` at that port only).
 */
export function studioHosts(env: Record<string, string | undefined>, port: string): StudioHosts {
  const rules: HostRule[] = ["127.0.0.1", "localhost", "[::1]"].map((hostname) => ({ hostname, port }));
  const bound = env.HOST?.trim();
  if (bound) {
    const parsed = parseHost(bound.includes(":") && !bound.startsWith("[") ? `[${bound}]` : bound);
    if (parsed && !UNSPECIFIED.has(parsed.hostname)) rules.push({ hostname: parsed.hostname, port });
  }
  for (const entry of (env.DISTILL_ALLOWED_HOSTS ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const parsed = parseHost(entry);
    if (!parsed) throw new Error(`DISTILL_ALLOWED_HOSTS: "${entry}" is not a host name or host:port (write studio.lan or studio.lan:3000, without http:// or a path)`);
    rules.push({ hostname: parsed.hostname, port: /:\d+$/.test(entry) ? parsed.port : null });
  }
  return { rules };
}

function isServed(value: string, hosts: StudioHosts): boolean {
  const host = parseHost(value);
  return !!host && hosts.rules.some((rule) => rule.hostname === host.hostname && (rule.port ?? host.port) === host.port);
}

function describeHosts(hosts: StudioHosts): string {
  return hosts.rules.map((rule) => (rule.port ? `${rule.hostname}:${rule.port}` : rule.hostname)).join(", ");
}

/** Where the request came from, when a browser says it is not the studio's own page; null when it is or none says. */
function foreignSource(headers: Headers, hosts: StudioHosts): string | null {
  const origin = headers.get("origin");
  if (origin !== null) {
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {}
    if (!url || !/^https?:$/.test(url.protocol) || !isServed(url.host || "", hosts)) return origin;
  }
  const site = headers.get("sec-fetch-site");
  // "none": the user opened the address themselves (typed it, a bookmark), e.g. an export link.
  if (site !== null && site !== "same-origin" && site !== "none") return `another site (Sec-Fetch-Site: ${site})`;
  return null;
}

/** Null when the studio should answer the request; otherwise the status and the sentence to answer with. */
export function checkRequest(req: GuardedRequest, hosts: StudioHosts): Refusal | null {
  const host = req.headers.get("host") ?? "";
  if (!isServed(host, hosts)) {
    return {
      status: 403,
      error: `This studio answers only at ${describeHosts(hosts)}, not at "${host}". If you reach it by that name, add it to DISTILL_ALLOWED_HOSTS.`,
    };
  }
  const method = req.method.toUpperCase();
  const readsOnly = method === "GET" || method === "HEAD";
  // Pages may be opened from links anywhere; the API and every change answer the studio's own pages only.
  if (readsOnly && !req.pathname.startsWith("/api/")) return null;
  const source = foreignSource(req.headers, hosts);
  if (source) {
    return { status: 403, error: `Only the studio's own pages may use ${req.pathname}; this request came from ${source}.` };
  }
  if (readsOnly) return null;
  const expected = BODY_TYPES.find(([prefix]) => req.pathname.startsWith(prefix))?.[1];
  const type = req.headers.get("content-type");
  if (expected && type?.split(";", 1)[0]!.trim().toLowerCase() !== expected) {
    return { status: 415, error: `${req.pathname} takes ${expected} bodies, not ${type ? `"${type}"` : "a body with no Content-Type"}.` };
  }
  return null;
}

let served: StudioHosts | undefined;

/**
 * The guard over a live request: null to go on, else the refusal to answer with. The port is the one
 * `next start` listened on (it sets PORT once listening), else the request URL's, which Next builds from the
 * bound address, not from the Host header.
 */
export function refuseForeignRequest(req: Request, pathname = new URL(req.url).pathname): Response | null {
  const url = new URL(req.url);
  served ??= studioHosts(process.env, process.env.PORT || url.port || "80");
  const refusal = checkRequest({ method: req.method, pathname, headers: req.headers }, served);
  return refusal && Response.json({ error: refusal.error }, { status: refusal.status });
}

/**
 * A route handler that runs the guard before `handle` reads a byte of the body, for the routes that take bodies.
 * proxy.ts leaves every request with a body alone: Next copies the body of a request it hands a proxy into
 * memory (cut off at 10 MB, which would truncate uploads), and a client resetting the connection before the
 * proxy's answer is sent, as Chromium does for a response it will not show another site's page, raises an
 * uncaught "aborted" error in the server.
 */
export function guarded(handle: (req: Request) => Response | Promise<Response>) {
  return (req: Request) => refuseForeignRequest(req) ?? handle(req);
}

/**
 * The answer to a request that carries a body to a path that takes none (a page, a download), which
 * next.config.ts rewrites to app/api/no-body with its path: the guard's refusal, as proxy.ts would give it
 * without the body, and otherwise 405. The body is never read.
 */
export function refuseBody(req: Request, pathname: string): Response {
  return (
    refuseForeignRequest(req, pathname) ??
    Response.json({ error: `${pathname} takes no request body: the studio's pages and downloads answer GET.` }, { status: 405, headers: { allow: "GET, HEAD" } })
  );
}
