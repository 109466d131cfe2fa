import { createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A keyed endpoint for tests: an HTTP proxy in front of a keyless OpenAI-compatible server (the embedded one) that
 * answers 401 unless a request carries `Authorization: Bearer <key>`, and counts what came with the key.
 */
export type KeyProxy = { baseUrl: string; withKey: number; refused: number; close(): Promise<void> };

export async function keyProxy(upstreamBaseUrl: string, key: string): Promise<KeyProxy> {
  const upstream = new URL(upstreamBaseUrl);
  const counts = { withKey: 0, refused: 0 };
  const server = createServer((req: IncomingMessage, res) => {
    if (req.headers.authorization !== `Bearer ${key}`) {
      counts.refused++;
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":{"message":"a key is required"}}');
      return;
    }
    counts.withKey++;
    const { authorization: _key, host: _host, ...headers } = req.headers;
    const forwarded = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on("error", () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${upstream.pathname}`,
    get withKey() {
      return counts.withKey;
    },
    get refused() {
      return counts.refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
