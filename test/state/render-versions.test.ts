// The versions in the state (versions.yaml) and render's rollout rule against real renders: a new
// kubernetesVersion keeps every machine that is not reimaged at its version, gives a reimaged control-plane node
// the target and a reimaged worker the cluster's version until the control plane is there; a move the version
// skew policy forbids is refused with exit 1 and leaves the state and the output byte-identical.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/command/command.js';
import { SkewPolicyError } from '../../src/render.js';
import { readVersions } from '../../src/secrets/read-state.js';
import { StateError } from '../../src/secrets/state.js';
import { copyDir, INVENTORY, renderIn, visibleFiles, workDir } from './fixture.js';

const OLD = 'v1.33.2';
const NEW = 'v1.34.1';

/** A copy of the first render's working directory, its inventory now asking for `version` (plus `extraNodes`). */
function rolledTo(base: string, version: string, extraNodes = ''): string {
  const work = workDir();
  copyDir(base, work);
  writeFileSync(join(work, 'nodes.yaml'), INVENTORY.replace(`kubernetesVersion: ${OLD}`, `kubernetesVersion: ${version}`) + extraNodes);
  return work;
}

const nodeVersion = (work: string, node: string) => (parse(readFileSync(join(work, 'out/nodes', node, 'node.yaml'), 'utf8')) as { cluster: { kubernetesVersion: string } }).cluster.kubernetesVersion;
const recorded = (work: string) => parse(readFileSync(join(work, 'state/versions.yaml'), 'utf8')) as { clusterVersion: string; nodes: Record<string, string> };
const got = (report: { nodes: Array<{ name: string; kubernetesVersion: string; versionReason: string }> }) => report.nodes.map((n) => `${n.name} ${n.kubernetesVersion} ${n.versionReason}`);

describe('render: versions in the state and the rollout rule', () => {
  let base: string;
  beforeAll(async () => {
    base = workDir();
    await renderIn(base);
  }, 120_000);

  it('the first render records every node and the cluster at the inventory version', () => {
    expect(recorded(base)).toEqual({ clusterVersion: OLD, nodes: { 'cp-1': OLD, 'w-1': OLD } });
    expect(nodeVersion(base, 'w-1')).toBe(OLD);
  });

  it('a new version alone re-renders nothing: every node keeps its version, byte for byte', async () => {
    const work = rolledTo(base, NEW);
    const [stateBefore, outBefore] = [visibleFiles(join(work, 'state')), visibleFiles(join(work, 'out'))];
    expect(got(await renderIn(work))).toEqual([`cp-1 ${OLD} kept`, `w-1 ${OLD} kept`]);
    expect(visibleFiles(join(work, 'state'))).toEqual(stateBefore);
    expect(visibleFiles(join(work, 'out'))).toEqual(outBefore);
  });

  it('rolls in order: a worker first stays at the cluster version; the control plane, then the worker get the target', async () => {
    const work = rolledTo(base, NEW);
    expect(got(await renderIn(work, undefined, { reimage: ['w-1'] }))).toEqual([`cp-1 ${OLD} kept`, `w-1 ${OLD} cluster-version`]);
    expect(nodeVersion(work, 'w-1')).toBe(OLD);

    expect(got(await renderIn(work, undefined, { reimage: ['cp-1'] }))).toEqual([`cp-1 ${NEW} target`, `w-1 ${OLD} kept`]);
    expect(recorded(work)).toEqual({ clusterVersion: NEW, nodes: { 'cp-1': NEW, 'w-1': OLD } });
    expect(nodeVersion(work, 'cp-1')).toBe(NEW);

    expect(got(await renderIn(work, undefined, { reimage: ['w-1'] }))).toEqual([`cp-1 ${NEW} kept`, `w-1 ${NEW} target`]);
    expect(nodeVersion(work, 'w-1')).toBe(NEW);
  });

  it('a worker added before the control plane is upgraded joins at the cluster version', async () => {
    const work = rolledTo(base, NEW, '  - { name: w-2, role: worker, address: 10.0.0.22 }\n');
    const report = await renderIn(work);
    expect(got(report)).toEqual([`cp-1 ${OLD} kept`, `w-1 ${OLD} kept`, `w-2 ${OLD} cluster-version`]);
    expect(recorded(work).nodes['w-2']).toBe(OLD);
  });

  it.each([
    ['two minors up', 'v1.35.0', ['cp-1'], 'control-plane-one-minor'],
    ['the control plane downgraded before its workers', 'v1.32.1', ['cp-1'], 'kubelet-newer-than-api-server'],
  ])('refuses %s: exit 1, the rule and the policy named, state and output byte-identical', async (_name, version, reimage, rule) => {
    const work = rolledTo(base, version);
    const [stateBefore, outBefore] = [visibleFiles(join(work, 'state')), visibleFiles(join(work, 'out'))];
    const err = await renderIn(work, undefined, { reimage }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SkewPolicyError);
    expect((err as Error).message).toContain(`${rule}: `);
    expect((err as Error).message).toContain('https://kubernetes.io/releases/version-skew-policy/');
    expect(visibleFiles(join(work, 'state'))).toEqual(stateBefore);
    expect(visibleFiles(join(work, 'out'))).toEqual(outBefore);

    const out = { stdout: '', stderr: '' };
    const io: CliIO = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), cwd: work };
    const args = ['render', '--nodes', 'nodes.yaml', '--out', 'out', '--state', 'state', ...reimage.flatMap((n) => ['--reimage', n])];
    expect(await main(args, io)).toBe(1);
    expect(out.stderr).toContain(`nodes.yaml: cluster.kubernetesVersion ${version} cannot be rendered from the cluster's ${OLD}; nothing was written`);
    expect(visibleFiles(join(work, 'state'))).toEqual(stateBefore);
  });

  it('a state from before versions.yaml: every node counts as new and takes the inventory version, recorded from then on', async () => {
    const work = rolledTo(base, NEW);
    rmSync(join(work, 'state/versions.yaml'));
    const report = await renderIn(work);
    expect(got(report)).toEqual([`cp-1 ${NEW} target`, `w-1 ${NEW} target`]);
    expect(report.stateCreated).toEqual(['versions.yaml']);
    expect(recorded(work)).toEqual({ clusterVersion: NEW, nodes: { 'cp-1': NEW, 'w-1': NEW } });
  });

  it('a damaged versions.yaml is a state error naming the file and the field', async () => {
    const work = rolledTo(base, OLD);
    writeFileSync(join(work, 'state/versions.yaml'), 'clusterVersion: v1.33.2\nnodes:\n  w-1: latest\n');
    const err = await renderIn(work).catch((e: Error) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as Error).message).toContain('versions.yaml: nodes.w-1 must be a version like v1.33.2');
  });

  it('the day-2 commands read the same record (readVersions): absent in an old state, a damaged one a state error', () => {
    expect(readVersions(join(base, 'state'))).toEqual(recorded(base));
    const work = rolledTo(base, OLD);
    writeFileSync(join(work, 'state/versions.yaml'), 'clusterVersion: v1.33.2\nnodes:\n  w-1: latest\n');
    expect(() => readVersions(join(work, 'state'))).toThrow(StateError);
    expect(() => readVersions(join(work, 'state'))).toThrow(`the state in ${join(work, 'state')} is damaged, so nothing was changed: versions.yaml: nodes.w-1 must be a version like v1.33.2`);
    rmSync(join(work, 'state/versions.yaml'));
    expect(readVersions(join(work, 'state'))).toBeUndefined();
  });
});
