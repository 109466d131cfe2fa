import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { endpointKey, endpointsWithKey, keyFilePath, removeEndpointKey, setEndpointKey } from "./key-store";

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "distill-keys-"));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

describe("endpoint key store", () => {
  it("keeps keys in a file only the studio's user can read, in a folder only it can enter", () => {
    setEndpointKey(dataDir, "a", "sk-first");
    setEndpointKey(dataDir, "b", "sk-second");
    const file = keyFilePath(dataDir);
    expect(file).toBe(join(dataDir, "secrets", "endpoint-keys.json"));
    expect(mode(file)).toBe(0o600);
    expect(mode(dirname(file))).toBe(0o700);
    expect(endpointKey(dataDir, "a")).toBe("sk-first");
    expect(endpointKey(dataDir, "b")).toBe("sk-second");
    expect(endpointKey(dataDir, "c")).toBeNull();
    expect([...endpointsWithKey(dataDir)].sort()).toEqual(["a", "b"]);
    removeEndpointKey(dataDir, "a");
    expect(endpointKey(dataDir, "a")).toBeNull();
    expect(endpointKey(dataDir, "b")).toBe("sk-second");
  });

  it("is empty before any key is set, without creating the file", () => {
    expect(endpointsWithKey(dataDir).size).toBe(0);
    removeEndpointKey(dataDir, "none");
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("replaces the file by renaming a complete new one over it, never rewriting it in place", () => {
    setEndpointKey(dataDir, "a", "sk-first");
    const file = keyFilePath(dataDir);
    const before = statSync(file).ino;
    setEndpointKey(dataDir, "b", "sk-second");
    // A new inode: the old file was never truncated, so a crash mid-write leaves it whole.
    expect(statSync(file).ino).not.toBe(before);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ a: "sk-first", b: "sk-second" });
    expect(readdirSync(dirname(file))).toEqual(["endpoint-keys.json"]);
  });

  it("writes 0600 whatever the umask, a readable leftover temporary file or a key file someone opened up", () => {
    const file = keyFilePath(dataDir);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ old: "sk-old" }), { mode: 0o644 });
    writeFileSync(`${file}.tmp`, "half a write", { mode: 0o666 });
    const umask = process.umask(0);
    try {
      setEndpointKey(dataDir, "a", "sk-new");
    } finally {
      process.umask(umask);
    }
    expect(mode(file)).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ old: "sk-old", a: "sk-new" });
    expect(readdirSync(dirname(file))).toEqual(["endpoint-keys.json"]);
  });

  it("names the file, and quotes none of it, when it is not JSON", () => {
    const file = keyFilePath(dataDir);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{"a": "sk-secret-cut-off', { mode: 0o600 });
    expect(() => endpointKey(dataDir, "a")).toThrow(`${file} is not valid JSON: fix or remove it (endpoints then have no keys)`);
    try {
      endpointKey(dataDir, "a");
    } catch (e) {
      expect((e as Error).message).not.toContain("sk-secret");
    }
  });
});
