/** Settings read from environment variables. */
export type Env = Record<string, string | undefined>;

/** A whole-number setting, `fallback` when unset; anything else is refused with the variable named. */
export function wholeNumber(env: Env, name: string, fallback: number, unit: string): number {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${env[name]} is not a whole number of ${unit}`);
  return n;
}
