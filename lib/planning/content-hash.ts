/**
 * Stable identity of a frozen spec: SHA-256 over canonical JSON. Web Crypto (crypto.subtle) exists in the
 * browser and in Node ≥ 20 alike, so the studio and the launcher compute the same hash.
 */

/** JSON with object keys sorted at every depth; arrays keep their order; undefined members are dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Lower-case hex SHA-256 of the canonical JSON. */
export async function sha256Json(value: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(value));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
