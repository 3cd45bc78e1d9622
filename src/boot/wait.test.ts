// pollUntil on a fake clock: the value when it comes, the deadline error naming the wait and its last
// failure, and progress lines that leave no gap over 2 s while it waits.
import { describe, expect, it } from 'vitest';
import type { Clock } from './host.js';
import { pollUntil } from './wait.js';

function fakeClock(): Clock & { elapsed: () => number } {
  let t = 0;
  return { now: () => new Date(t), sleep: async (ms) => void (t += ms), elapsed: () => t };
}

describe('pollUntil', () => {
  it('reports what it awaits, why and how long so far, never more than 2 s apart, and returns the value', async () => {
    const clock = fakeClock();
    const lines: Array<[number, string]> = [];
    let calls = 0;
    const value = await pollUntil('the Node "cp1" to register', { clock, timeoutMs: 60_000, intervalMs: 500, progress: (m) => lines.push([clock.elapsed(), m]) }, async () => {
      if (++calls < 12) throw new Error('nodes "cp1" not found');
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(lines[0]).toEqual([0, 'Waiting for the Node "cp1" to register: nodes "cp1" not found (0.0s so far, up to 1m0s)']);
    const times = [...lines.map(([t]) => t), clock.elapsed()];
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(2000);
    expect(lines.length).toBeLessThan(calls);
  });

  it('is silent when the first attempt succeeds, and names the wait and the last error at the deadline', async () => {
    const lines: string[] = [];
    await pollUntil('x', { clock: fakeClock(), timeoutMs: 1000, intervalMs: 100, progress: (m) => lines.push(m) }, async () => true);
    expect(lines).toEqual([]);
    const err = await pollUntil('the etcd cluster to be available', { clock: fakeClock(), timeoutMs: 1000, intervalMs: 300 }, async () => {
      throw new Error('connection refused');
    }).catch((e: unknown) => e as Error);
    expect((err as Error).message).toBe('timed out after 1s waiting for the etcd cluster to be available; last error: connection refused');
  });
});
