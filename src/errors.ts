// Errors that mean "the input is wrong" (exit 1) as opposed to "kgen failed" (exit 2). The message says
// what was found, what was expected and what to do; it never contains a secret.
export class InvalidInputError extends Error {}
