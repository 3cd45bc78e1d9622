// Errors that mean "the input is wrong" (exit 1) as opposed to "kgen failed" (exit 2). The message says
// what was found, what was expected and what to do; it never contains a secret.
export class InvalidInputError extends Error {}

/**
 * The operator's machine refused an operation on a file (disk full, read-only file system, a directory
 * where a file belongs, permissions): the environment is at fault, not kgen, so exit 1 with the file named.
 */
export class EnvironmentError extends InvalidInputError {
  constructor(
    readonly path: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`${shorten(path)}: ${ENVIRONMENT_CAUSES[code]} (${code})`, options);
    this.name = 'EnvironmentError';
  }
}

/** errno codes that describe the operator's environment, with what they mean in a message. */
const ENVIRONMENT_CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device; free some space and run again',
  EDQUOT: 'the disk quota is exhausted; free some space and run again',
  EROFS: 'the file system is read-only; choose a writable directory',
  EISDIR: 'it is a directory where a file belongs; move it away or choose another path',
  ENOTDIR: 'a part of the path is a file where a directory belongs',
  EACCES: 'permission denied; fix the permissions or choose another directory',
  EPERM: 'operation not permitted; fix the permissions or choose another directory',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files; raise the limit (ulimit -n) and run again',
  ENFILE: 'too many open files on the system; run again later',
  EIO: 'input/output error from the device',
};

/** The first errno error in `err`'s cause chain that describes the environment, as an EnvironmentError. */
export function environmentError(err: unknown): EnvironmentError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof EnvironmentError) return e;
    const { code, path, dest } = e as NodeJS.ErrnoException & { dest?: string };
    if (code && code in ENVIRONMENT_CAUSES) return new EnvironmentError(dest ? `${path ?? '?'} -> ${dest}` : (path ?? 'a file'), code, { cause: err });
  }
  return undefined;
}

/** Characters of one message line printed before it is cut (a 1 MB flag value is not echoed whole). */
export const MESSAGE_LINE_CHARS = 4096 + 200;

/** `text` cut to `max` characters, saying how long it was. */
export function shorten(text: string, max = MESSAGE_LINE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/** SIGINT or SIGTERM arrived: the command stopped at a safe point; exit 128 + the signal number. */
export class InterruptedError extends Error {
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }

  get exitCode(): number {
    return this.signal === 'SIGINT' ? 130 : 143;
  }
}

/** Throws InterruptedError when `signal` was aborted (its reason names the signal; SIGINT otherwise). */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError(signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
}
