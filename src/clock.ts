// Time and randomness for code that waits, retries or mints secrets: injected so tests control them
// (kgen-boot's Host carries them; the cluster clients take them as options).
import { randomBytes } from 'node:crypto';

export interface Clock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Random {
  /** n cryptographically random bytes. */
  bytes(n: number): Buffer;
  /** Uniform in [0, 1): for retry jitter only. */
  float(): number;
}

export const realClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export const realRandom: Random = {
  bytes: (n) => randomBytes(n),
  float: () => randomBytes(4).readUInt32BE(0) / 2 ** 32,
};
