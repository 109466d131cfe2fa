import type { NextConfig } from "next";

/**
 * What the studio's pages may load. Scripts: the App Router writes its page data into every page as inline
 * scripts (self.__next_f.push), and the pages are prerendered at build time, so a per-request nonce would mean
 * rendering every page on every request; inline scripts are allowed instead, and user text stays out of them
 * because React escapes it and no page sets raw HTML. Styles: React's style attributes (and recharts') are
 * inline. The policy still keeps out every script, style, image and connection from another origin, plugins,
 * <base> and framing. No upgrade-insecure-requests: the studio is served over plain http, on LAN addresses too.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  // Development only: React's dev build evaluates code to rebuild server error stacks.
  `script-src 'self' 'unsafe-inline'${process.env.NODE_ENV === "development" ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const config: NextConfig = {
  // Native and Node-only modules stay out of the server bundle.
  serverExternalPackages: ["better-sqlite3"],
  typedRoutes: false,
  // A request that carries a body (a declared length above zero, or a chunked body) to a path that takes none
  // goes to app/api/no-body, which runs the request guard on it: the proxy must not see a body (request-guard.ts
  // says why). The paths are those of proxy.ts's matcher. Next anchors `value` as ^…$.
  async rewrites() {
    const bodied = [
      { type: "header" as const, key: "content-length", value: "0*[1-9][0-9]*" },
      { type: "header" as const, key: "transfer-encoding" },
    ];
    return {
      beforeFiles: bodied.map((header) => ({
        source: "/:path((?!api/trpc/|api/uploads$).*)",
        has: [header],
        destination: "/api/no-body?path=/:path",
      })),
    };
  },
  async headers() {
    return [
      {
        source: "/(.*)",
        headers: [
          { key: "Content-Security-Policy", value: contentSecurityPolicy },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
        ],
      },
    ];
  },
};

export default config;
