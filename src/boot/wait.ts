// Polling with a deadline on the Host's clock (model: k8s.io/apimachinery wait.PollUntilContextTimeout as
// kubeadm's apiclient waiters use it). The timeout error names what was awaited and the last failure.
import type { Clock } from './host.js';

export interface PollOptions {
  clock: Clock;
  timeoutMs: number;
  intervalMs: number;
  /** Errors that end the wait at once instead of counting as "not yet" (e.g. HTTP 403). */
  isPermanent?: (err: unknown) => boolean;
}

/**
 * Calls `attempt` until it returns a value other than undefined; a thrown error counts as "not yet" and is
 * reported if the deadline passes. `what` completes "timed out after 240s waiting for ...".
 */
export async function pollUntil<T>(what: string, options: PollOptions, attempt: () => Promise<T | undefined>): Promise<T> {
  const start = options.clock.now().getTime();
  let last: string | undefined;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
      last = undefined;
    } catch (err) {
      if (options.isPermanent?.(err)) throw err;
      last = (err as Error).message;
    }
    if (options.clock.now().getTime() - start >= options.timeoutMs) {
      throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${what}${last ? `; last error: ${last}` : ''}`);
    }
    await options.clock.sleep(options.intervalMs);
  }
}
