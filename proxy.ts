import type { NextRequest } from "next/server";
import { refuseForeignRequest } from "~/server/http/request-guard";

/** Requests without a body pass the studio's request guard here (server/http/request-guard.ts). */
export function proxy(request: NextRequest) {
  return refuseForeignRequest(request) ?? undefined;
}

export const config = {
  // The proxy must not see a body (request-guard.ts says why). The routes that take bodies (tRPC, uploads) run
  // the same guard themselves, wrapped in `guarded`; a request with a body to any other path is rewritten by
  // next.config.ts to app/api/no-body, which runs the guard too and otherwise answers 405.
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
