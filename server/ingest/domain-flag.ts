const TRUE = new Set(["true", "yes", "y", "1"]);
const FALSE = new Set(["false", "no", "n", "0", ""]);

/**
 * A record's domain flag (KD + DAE) from its mapped column: booleans, 1/0, and the words true/false, yes/no,
 * y/n, 1/0 in any case (CSV and Parquet give text); missing or null is not domain. Anything else is a sentence
 * saying what it got, for the record's reject.
 */
export function domainFlag(value: unknown): boolean | string {
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (TRUE.has(word)) return true;
    if (FALSE.has(word)) return false;
  }
  return `must be true or false (also yes/no, 1/0), got ${JSON.stringify(value)?.slice(0, 40) ?? typeof value}`;
}
