// Fault injection through the operator's door: for every write of a first render (state creation and
// output; test/state/faults-reimage.test.ts has the re-render with --reimage), the N-th write fails, once (disk
// full; clean-up runs) or for good (a kill: nothing after it reaches the disk). Property checked each time:
// afterwards either the previous state and output are intact or, on a first render, no state exists; or the
// render passed its commit point (the state is complete and new). In every case the next render succeeds.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEAD_PID, expectNextRenderSucceeds, faultyHost, renderIn, visibleFiles, workDir, type FaultMode } from './fixture.js';
import { realOperatorHost } from '../../src/operator-host.js';

describe.each<FaultMode>(['error', 'kill'])('first render, the N-th write fails (%s)', (mode) => {
  let writes = 0;
  beforeAll(async () => {
    const counter = faultyHost();
    await renderIn(workDir(), counter);
    writes = counter.writes();
  });

  it('counts the writes of a first render', () => {
    expect(writes).toBeGreaterThan(20);
  });

  it('at every N: no state (or a complete one past the commit point), and the next render succeeds', { timeout: 600_000 }, async () => {
    const outcomes = { noState: 0, committed: 0 };
    for (let n = 1; n <= writes; n++) {
      const work = workDir();
      const host = faultyHost({ failAt: n, mode, pid: DEAD_PID });
      // The last writes release the lock: a failure there does not fail a committed render.
      const failure = await renderIn(work, host).then(() => undefined, (err: Error) => err);
      if (failure) expect(failure.message, `write ${n}`).toMatch(/ENOSPC/);
      const state = join(work, 'state');
      if (existsSync(join(state, 'state.yaml'))) {
        outcomes.committed++;
        // Past the commit point the state is whole: the next render reuses it as it is.
        const before = visibleFiles(state);
        await expectNextRenderSucceeds(work);
        expect(visibleFiles(state), `write ${n}: the committed state is reused unchanged`).toEqual(before);
      } else {
        outcomes.noState++;
        expect(existsSync(state), `write ${n}: no state directory`).toBe(false);
        expect(visibleFiles(join(work, 'out')).size, `write ${n}: no visible output`).toBe(0);
        expect(failure, `write ${n}: a render without a state failed`).toBeDefined();
        if (mode === 'error') expect(readdirSync(work).sort(), `write ${n}: clean-up ran`).toEqual(['nodes.yaml', ...(existsSync(join(work, 'out')) ? ['out'] : [])]);
        await expectNextRenderSucceeds(work);
      }
    }
    expect(outcomes.noState + outcomes.committed).toBe(writes);
    expect(outcomes.noState).toBeGreaterThan(writes / 2);
  });
});

describe('two renders on one state', () => {
  it('the second says the state is in use (exit 1 class), and changes nothing', async () => {
    const work = workDir();
    let second: Promise<unknown> | undefined;
    // The second render starts while the first holds the lock (at its first output write).
    const host = faultyHost({
      onWrite: (n) => {
        if (n < 10) return; // the lock is taken by write 2
        second ??= renderIn(work).then(
          () => 'succeeded',
          (err: Error) => err,
        );
      },
    });
    await renderIn(work, host);
    const err = (await second) as Error;
    expect(err.message).toMatch(/another kgen render \(pid \d+\) is using the state .*state; wait for it to finish/);
    expect(err.constructor.name).toBe('StateError');
    await expectNextRenderSucceeds(work);
  });

  it('a lock left by a dead render is taken over', async () => {
    const work = workDir();
    await expect(renderIn(work, faultyHost({ failAt: 3, mode: 'kill', pid: DEAD_PID }))).rejects.toThrow();
    expect(readdirSync(work)).toContain('.state.lock');
    await expectNextRenderSucceeds(work);
  });

  it('a lock of a live process is respected', async () => {
    const work = workDir();
    await expect(renderIn(work, faultyHost({ failAt: 3, mode: 'kill' }))).rejects.toThrow();
    await expect(renderIn(work, realOperatorHost)).rejects.toThrow(/another kgen render \(pid \d+\) is using the state/);
  });
});
