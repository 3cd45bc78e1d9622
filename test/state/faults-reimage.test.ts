// Fault injection through the operator's door, re-render half (test/state/faults.test.ts has the first
// render): for every write of a re-render with --reimage (state additions and output), the N-th write fails, once (disk
// full; clean-up runs) or for good (a kill: nothing after it reaches the disk). Property checked each time:
// afterwards either the previous state and output are intact or, on a first render, no state exists; or the
// render passed its commit point (the state is complete and new). In every case the next render succeeds.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyDir, DEAD_PID, expectNextRenderSucceeds, faultyHost, renderIn, visibleFiles, workDir, type FaultMode } from './fixture.js';

describe.each<FaultMode>(['error', 'kill'])('re-render with --reimage, the N-th write fails (%s)', (mode) => {
  let base: string;
  let writes = 0;
  beforeAll(async () => {
    base = workDir();
    await renderIn(base);
    const probe = workDir();
    copyDir(base, probe);
    const counter = faultyHost();
    await renderIn(probe, counter, { reimage: ['w-1'] });
    writes = counter.writes();
  });

  it('at every N: state and output as before (or the reimage committed whole), and the next render succeeds', { timeout: 600_000 }, async () => {
    expect(writes).toBeGreaterThan(3);
    for (let n = 1; n <= writes; n++) {
      const work = workDir();
      copyDir(base, work);
      const [stateBefore, outBefore] = [visibleFiles(join(work, 'state')), visibleFiles(join(work, 'out'))];
      const failure = await renderIn(work, faultyHost({ failAt: n, mode, pid: DEAD_PID }), { reimage: ['w-1'] }).then(() => undefined, (err: Error) => err);
      if (failure) expect(failure.message, `write ${n}`).toMatch(/ENOSPC/);
      const stateAfter = visibleFiles(join(work, 'state'));
      if (stateAfter.has('generations.yaml')) {
        // Past the commit point: the previous files are untouched, the reimage was recorded whole.
        for (const [rel, bytes] of stateBefore) expect(stateAfter.get(rel), `write ${n}: ${rel}`).toEqual(bytes);
      } else {
        expect(failure, `write ${n}: a render that changed nothing failed`).toBeDefined();
        expect(stateAfter, `write ${n}: state unchanged`).toEqual(stateBefore);
        expect(visibleFiles(join(work, 'out')), `write ${n}: output unchanged`).toEqual(outBefore);
      }
      await expectNextRenderSucceeds(work);
    }
  });
});

