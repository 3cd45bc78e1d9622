// Polling with a deadline on the Host's clock (model: k8s.io/apimachinery wait.PollUntilContextTimeout as
// kubeadm's apiclient waiters use it). The timeout error names what was awaited and the last failure.
// While it waits, a poll reports what it awaits, why it is not there yet and how long so far (as kubeadm's
// "[api-check] Waiting for a healthy API server" lines), often enough that no two of its lines are more than
// 2 s apart (an attempt's own time included), so a wait never leaves a silent gap in the log.
import type { Clock } from './host.js';

export interface PollOptions {
  clock: Clock;
  timeoutMs: number;
  intervalMs: number;
  /** Errors that end the wait at once instead of counting as "not yet" (e.g. HTTP 403). */
  isPermanent?: (err: unknown) => boolean;
  /** Receives the progress lines ("Waiting for ...: <why> (3.0s so far, up to 4m0s)"); default silent. */
  progress?: (message: string) => void;
  /** Ends the wait between attempts: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** The longest silence a wait may leave before its next attempt, keeping room below 2 s for the attempt. */
const PROGRESS_EVERY_MS = 1_800;

/**
 * Calls `attempt` until it returns a value other than undefined; a thrown error counts as "not yet" and is
 * reported if the deadline passes. `what` completes "timed out after 240s waiting for ...".
 */
export async function pollUntil<T>(what: string, options: PollOptions, attempt: () => Promise<T | undefined>): Promise<T> {
  const start = options.clock.now().getTime();
  let last: string | undefined;
  let reported: number | undefined;
  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason;
    try {
      const value = await attempt();
      if (value !== undefined) return value;
      last = undefined;
    } catch (err) {
      if (options.isPermanent?.(err)) throw err;
      last = (err as Error).message;
    }
    const now = options.clock.now().getTime();
    if (now - start >= options.timeoutMs) {
      throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${what}${last ? `; last error: ${last}` : ''}`);
    }
    if (options.progress && (reported === undefined || now - reported + options.intervalMs > PROGRESS_EVERY_MS)) {
      reported = now;
      options.progress(`Waiting for ${what}${last ? `: ${last}` : ''} (${((now - start) / 1000).toFixed(1)}s so far, up to ${duration(options.timeoutMs)})`);
    }
    await options.clock.sleep(options.intervalMs, options.signal);
  }
}

/** 240000 -> "4m0s", as Go prints a time.Duration. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}
