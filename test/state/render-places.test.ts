// What a render owns and where it may write: the reproductions. A render removes only what an
// earlier render recorded as written; a state inside --out or an inventory inside the trees render prunes
// is refused before anything is written; SIGINT/SIGTERM stop a render with 130/143 and nothing half-done.
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { faultyHost, INVENTORY, renderIn, visibleFiles, workDir } from './fixture.js';

async function kgenIn(cwd: string, args: string[], signal?: AbortSignal) {
  const err: string[] = [];
  const code = await main(['render', '--nodes', ...args], { stdout: () => undefined, stderr: (t) => err.push(t), cwd, signal });
  return { code, stderr: err.join('') };
}

describe('refused places (exit 1, nothing written)', () => {
  it.each([
    { name: 'the inventory under --out/nodes (`--out .`)', layout: 'nodes/nodes.yaml', args: ['nodes/nodes.yaml', '--out', '.', '--state', '../s'], error: /the inventory nodes\/nodes\.yaml is inside \S*\/nodes, which kgen render writes and prunes/ },
    { name: 'the inventory under --out/pxe', layout: 'out/pxe/nodes.yaml', args: ['out/pxe/nodes.yaml', '--out', 'out', '--state', 's'], error: /is inside \S*\/out\/pxe, which kgen render writes and prunes/ },
    { name: 'the default state under --out (`--out .`)', layout: 'nodes.yaml', args: ['nodes.yaml', '--out', '.'], error: /the state directory .*\.kgen is inside the output directory/ },
    { name: 'the state under --out/nodes', layout: 'nodes.yaml', args: ['nodes.yaml', '--out', 'out', '--state', 'out/nodes/.kgen'], error: /the state directory \S*out\/nodes\/\.kgen is inside the output directory \S*out, which is served/ },
    { name: 'the state equal to --out', layout: 'nodes.yaml', args: ['nodes.yaml', '--out', 'out', '--state', 'out'], error: /is inside the output directory/ },
    { name: '--out inside the state', layout: 'nodes.yaml', args: ['nodes.yaml', '--out', 's/out', '--state', 's'], error: /the output directory \S*s\/out is inside the state directory \S*s;/ },
  ])('$name', async ({ layout, args, error }) => {
    const work = workDir();
    const file = join(work, layout);
    mkdirSync(join(file, '..'), { recursive: true });
    renameSync(join(work, 'nodes.yaml'), file);
    const before = readdirSync(work, { recursive: true }).sort();
    const { code, stderr } = await kgenIn(work, args);
    expect(stderr).toMatch(error);
    expect(code).toBe(1);
    expect(readdirSync(work, { recursive: true }).sort()).toEqual(before);
    expect(existsSync(join(work, '..', 's'))).toBe(false);
  });

  it('a state inside --out through a symbolic link is refused too', async () => {
    const work = workDir();
    mkdirSync(join(work, 'out'));
    const { symlinkSync } = await import('node:fs');
    symlinkSync(join(work, 'out'), join(work, 'link'));
    const { code, stderr } = await kgenIn(work, ['nodes.yaml', '--out', 'out', '--state', 'link/.kgen']);
    expect(stderr).toMatch(/is inside the output directory/);
    expect(code).toBe(1);
  });
});

describe('a render removes only what an earlier render wrote', () => {
  it('keeps files the operator put below --out, removes the seed of a node that left', async () => {
    const work = workDir();
    await renderIn(work);
    const out = join(work, 'out');
    writeFileSync(join(out, 'nodes/w-1/notes.txt'), 'mine');
    mkdirSync(join(out, 'nodes/extra'));
    writeFileSync(join(out, 'nodes/extra/nodes.yaml'), INVENTORY);
    writeFileSync(join(out, 'pxe/undionly.kpxe'), 'ipxe binary');
    writeFileSync(join(work, 'nodes.yaml'), INVENTORY.replace(/ {2}- \{ name: w-1.*\n$/, ''));
    const report = await renderIn(work);
    expect(report.removed).toContain('nodes/w-1/user-data');
    expect(readdirSync(join(out, 'nodes/w-1'))).toEqual(['notes.txt']);
    expect(existsSync(join(out, 'nodes/extra/nodes.yaml'))).toBe(true);
    expect(existsSync(join(out, 'pxe/undionly.kpxe'))).toBe(true);
    expect(existsSync(join(work, 'state/state.yaml'))).toBe(true);
  });
});

describe('SIGINT and SIGTERM during a render', () => {
  it.each([
    { signal: 'SIGINT', at: 5, code: 130 },
    { signal: 'SIGINT', at: 40, code: 130 },
    { signal: 'SIGTERM', at: 20, code: 143 },
  ])('$signal at write $at: exit $code, no state, no visible output; the next render succeeds', async ({ signal, at, code }) => {
    const work = workDir();
    const controller = new AbortController();
    // The signal arrives while the render writes; it stops at its next safe point.
    const host = faultyHost({ onWrite: (n) => n === at && controller.abort(signal) });
    const failure = await renderIn(work, host, {}, controller.signal).then(() => undefined, (err: Error) => err);
    expect(failure?.name).toBe('InterruptedError');
    expect((failure as Error & { exitCode: number }).exitCode).toBe(code);
    expect(existsSync(join(work, 'state'))).toBe(false);
    expect(visibleFiles(join(work, 'out')).size).toBe(0);
    expect(readdirSync(work).filter((n) => n.startsWith('.'))).toEqual([]);
    await renderIn(work);
  });

  it('the CLI maps an interrupted render to 130 and says the state is unchanged', async () => {
    const work = workDir();
    await renderIn(work);
    const before = visibleFiles(join(work, 'state'));
    const controller = new AbortController();
    controller.abort('SIGINT');
    const { code, stderr } = await kgenIn(work, ['nodes.yaml', '--out', 'out', '--state', 'state', '--reimage', 'w-1'], controller.signal);
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted by SIGINT; stopped before finishing/);
    expect(visibleFiles(join(work, 'state'))).toEqual(before);
  });
});
