import { z } from "zod";

/**
 * Bounds for the text users send (names, ids, paths, filters), each refusal a sentence that names the field,
 * so a megabyte "name" is refused at the door instead of reaching job.json, events and every list.
 */
export const MAX_NAME = 200;
export const MAX_ID = 100;
export const MAX_PATH = 4096;

/** A record's id: required, at most MAX_ID characters. */
export function idField(what: string) {
  return z.string().min(1, `${what} is required`).max(MAX_ID, `${what} is at most ${MAX_ID} characters`);
}

/** A name the user types; empty is allowed (a default name is made). */
export function nameField(what: string) {
  return z.string().max(MAX_NAME, `${what} is at most ${MAX_NAME} characters`);
}

/** A folder or file path on the studio's machine. */
export function pathField(what: string) {
  return z.string().max(MAX_PATH, `${what} is at most ${MAX_PATH} characters`);
}

/** A full-text search of a dataset's rows, as the row browser sends it (?q= on the dataset page). */
export const MAX_SEARCH = 500;
export const searchText = z.string().trim().min(1, "type something to search for").max(MAX_SEARCH, `a search is at most ${MAX_SEARCH} characters`);
