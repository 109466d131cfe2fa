import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { extname, join } from "node:path";

/**
 * A Hugging Face folder's identity by content, as the trainer computes it for a teacher-logit cache's key
 * (trainer/distill/models.py model_identity and file_identity): so the studio can tell a copy of a cache's teacher
 * from a folder whose weights changed in place, before the trainer would refuse it.
 */

const HEAD = 1 << 20;
const SAMPLES = 16;
const SAMPLE = 1 << 16;

/** A file by its size, its first MiB and 16 blocks of 64 KiB spread over it. */
function fileIdentity(path: string): string {
  const size = statSync(path).size;
  const digest = createHash("sha256").update(String(size));
  const fd = openSync(path, "r");
  try {
    const read = (position: number, length: number) => {
      const buffer = Buffer.alloc(length);
      digest.update(buffer.subarray(0, readSync(fd, buffer, 0, length, position)));
    };
    read(0, HEAD);
    for (let i = 0; i < SAMPLES; i++) read(Math.floor((size * i) / SAMPLES), SAMPLE);
  } finally {
    closeSync(fd);
  }
  return digest.digest("hex").slice(0, 16);
}

/** config.json and the weight files (.safetensors, .bin), in name order. */
export function modelIdentity(dir: string): string {
  const digest = createHash("sha256");
  for (const name of readdirSync(dir).sort()) {
    if (name === "config.json" || extname(name) === ".safetensors" || extname(name) === ".bin") {
      digest.update(`${name}:${fileIdentity(join(dir, name))}`);
    }
  }
  return digest.digest("hex").slice(0, 16);
}
