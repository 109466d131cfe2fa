import type { NextRequest } from "next/server";
import { refuseForeignRequest } from "~/server/http/request-guard";

/** Requests without a body pass the studio's request guard here (server/http/request-guard.ts). */
export function proxy(request: NextRequest) {
  return refuseForeignRequest(request) ?? undefined;
}

export const config = {
  // The routes that take bodies (tRPC, uploads) run the same guard themselves, wrapped in `guarded`
  // (request-guard.ts says why the proxy must not see a body). Elsewhere a body has no use: a POST to a page or
  // an export route changes nothing (there are no Server Actions) and answers 405 or the page's empty shell.
  matcher: [
    {
      source: "/((?!api/trpc/|api/uploads$).*)",
      missing: [
        { type: "header", key: "content-length" },
        { type: "header", key: "transfer-encoding" },
      ],
    },
  ],
};
