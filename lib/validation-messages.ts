import { z } from "zod";

/**
 * Sentences for zod's own issues, wherever a schema did not give its message: "student layers must be at
 * least 1" instead of "Too small: expected number to be >=1". Installed as zod's global error map when this
 * module loads, so the server's tRPC inputs and the browser's form checks (the tRPC provider imports it) say
 * the same thing. A message a schema gives itself still wins over this map.
 */

/** "studentLayers" → "student layers"; ["loss", "beta"] → "loss beta"; ["ids", 2] → "ids item 3". */
export function fieldName(path: readonly PropertyKey[]): string {
  if (!path.length) return "the value";
  return path
    .map((part) => (typeof part === "number" ? `item ${part + 1}` : String(part).replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase()))
    .join(" ");
}

const UNITS: Record<string, string> = { string: "characters", array: "items", set: "items", map: "entries", file: "bytes" };
const TYPES: Record<string, string> = { number: "a number", int: "a whole number", string: "text", boolean: "true or false", array: "a list", object: "an object", bigint: "a whole number" };

function listOf(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

function bound(issue: { origin?: string; inclusive?: boolean; exact?: boolean }, value: number | bigint, side: "min" | "max"): string {
  const unit = issue.origin ? UNITS[issue.origin] : undefined;
  if (unit) {
    if (issue.exact) return `must have exactly ${value} ${unit}`;
    if (side === "min" && Number(value) === 1) return "cannot be empty";
    return `must have ${side === "min" ? "at least" : "at most"} ${value} ${unit}`;
  }
  if (issue.exact) return `must be exactly ${value}`;
  if (side === "min") return issue.inclusive ? `must be at least ${value}` : `must be greater than ${value}`;
  return issue.inclusive ? `must be at most ${value}` : `must be less than ${value}`;
}

/** What a field's issue says after its name. */
function predicate(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return "is required";
      if (issue.expected === "number" && typeof issue.input === "number") return Number.isNaN(issue.input) ? "must be a number" : "must be a finite number";
      return `must be ${TYPES[issue.expected] ?? issue.expected}`;
    }
    case "too_small":
      return bound(issue, issue.minimum, "min");
    case "too_big":
      return bound(issue, issue.maximum, "max");
    case "invalid_value":
      return issue.values.length === 1 ? `must be ${listOf(issue.values)}` : `must be one of ${listOf(issue.values)}`;
    case "invalid_format":
      return `is not a valid ${issue.format === "regex" ? "value" : issue.format.replace(/_/g, " ")}`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "unrecognized_keys":
      return `has unknown field${issue.keys.length > 1 ? "s" : ""} ${listOf(issue.keys)}`;
    case "invalid_union":
      return "does not match any of the forms it can take";
    default:
      return "is not valid";
  }
}

/** zod's global error map: used only where the schema gave no message. */
export function sentenceFor(issue: z.core.$ZodRawIssue): string {
  // A whole number rejected by .int() arrives as invalid_type with expected "int".
  if (issue.code === "invalid_type" && issue.expected === "int" && typeof issue.input === "number" && Number.isFinite(issue.input)) {
    return `${fieldName(issue.path ?? [])} must be a whole number`;
  }
  return `${fieldName(issue.path ?? [])} ${predicate(issue)}`;
}

z.config({ customError: sentenceFor });

/** One sentence for the client from all of a failed parse's issues (the same message said twice, once). */
export function validationMessage(error: z.ZodError): string {
  const messages = [...new Set(error.issues.map((issue) => issue.message))];
  return messages.length ? messages.join("; ") : "the request is not valid";
}

/** Issues' messages by field path ("dae.lr", `prefix` before each issue's path), as a form shows them beside its fields. */
export function messagesByPath(issues: readonly { path: readonly PropertyKey[]; message: string }[], prefix: readonly PropertyKey[] = []): Record<string, string> {
  return Object.fromEntries(issues.map((i) => [[...prefix, ...i.path].map(String).join("."), i.message]));
}
