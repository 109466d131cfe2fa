/** Settings of several runs side by side, keeping only the ones that differ: what a comparison is about. */

type Leaf = string | number | boolean | null;

/** `{optim: {lr: 1}}` → `{"optim.lr": 1}`. Arrays of scalars are joined; arrays of objects index their keys. */
export function flatten(value: unknown, prefix = "", out: Record<string, Leaf> = {}): Record<string, Leaf> {
  if (value === null || value === undefined) {
    if (prefix) out[prefix] = null;
  } else if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) out[prefix] = value.join(", ");
    else value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (typeof value === "object") {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = value as Leaf;
  }
  return out;
}

export type SettingRow = { key: string; values: (Leaf | undefined)[] };

/** One row per flattened key whose value is not the same in every run (a key missing in some run differs). */
export function differingSettings(settings: readonly unknown[], ignore: readonly string[] = []): SettingRow[] {
  const flat = settings.map((s) => flatten(s));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((k) => !ignore.includes(k)).sort();
  return keys
    .map((key) => ({ key, values: flat.map((f) => (key in f ? f[key] : undefined)) }))
    .filter((row) => row.values.some((v) => v !== row.values[0]));
}
