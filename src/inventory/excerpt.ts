// How a value the operator wrote appears in a message: cut to a short excerpt so a 1 MB string (or a secret
// pasted into the wrong field) is never echoed whole.

/** Characters of a value shown in a message before it is cut. */
export const EXCERPT_CHARS = 64;

/** Linux PATH_MAX: a file path up to this length is shown whole. */
export const PATH_CHARS = 4096;

/** `value` as is when at most `max` characters; else its start and its length. */
export function excerpt(value: string, max = EXCERPT_CHARS): string {
  return value.length <= max ? value : `${value.slice(0, max)}... (${value.length} characters)`;
}

/** `value` JSON-quoted; a long value shows its quoted start and its length. */
export function quote(value: string): string {
  return value.length <= EXCERPT_CHARS ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, EXCERPT_CHARS))}... (${value.length} characters)`;
}
