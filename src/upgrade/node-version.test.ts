import { describe, expect, it } from 'vitest';
import { describeViolations, planNodeVersions, type NodeVersionInput } from './node-version.js';

const cp = (name: string, recorded?: string, reimaged = false): NodeVersionInput => ({ name, role: 'control-plane', recorded, reimaged });
const worker = (name: string, recorded?: string, reimaged = false): NodeVersionInput => ({ name, role: 'worker', recorded, reimaged });
const OLD = 'v1.33.2';
const NEW = 'v1.34.1';

describe('planNodeVersions: the version each node is rendered at', () => {
  it.each<[string, NodeVersionInput[], string, string[]]>([
    ['a new cluster: every node at the target', [cp('cp1'), cp('cp2'), worker('w1')], NEW, [`cp1 ${NEW} target`, `cp2 ${NEW} target`, `w1 ${NEW} target`]],
    ['a new target, nothing reimaged: every node keeps its version', [cp('cp1', OLD), worker('w1', OLD)], NEW, [`cp1 ${OLD} kept`, `w1 ${OLD} kept`]],
    ['a reimaged control-plane node gets the target', [cp('cp1', OLD, true), cp('cp2', OLD), worker('w1', OLD)], NEW, [`cp1 ${NEW} target`, `cp2 ${OLD} kept`, `w1 ${OLD} kept`]],
    ['a worker reimaged before the control plane gets the cluster version', [cp('cp1', OLD), worker('w1', OLD, true)], NEW, [`cp1 ${OLD} kept`, `w1 ${OLD} cluster-version`]],
    ['a worker reimaged mid-rollout gets the oldest control-plane version', [cp('cp1', NEW), cp('cp2', OLD), worker('w1', OLD, true)], NEW, [`cp1 ${NEW} kept`, `cp2 ${OLD} kept`, `w1 ${OLD} cluster-version`]],
    ['a new worker joins at the cluster version until the control plane is upgraded', [cp('cp1', OLD), worker('w1', OLD), worker('w2')], NEW, [`cp1 ${OLD} kept`, `w1 ${OLD} kept`, `w2 ${OLD} cluster-version`]],
    ['a worker reimaged with the last control-plane node gets the target', [cp('cp1', NEW), cp('cp2', OLD, true), worker('w1', OLD, true)], NEW, [`cp1 ${NEW} kept`, `cp2 ${NEW} target`, `w1 ${NEW} target`]],
    ['every control-plane node at the target: a reimaged worker gets it', [cp('cp1', NEW), worker('w1', OLD, true), worker('w2', OLD)], NEW, [`cp1 ${NEW} kept`, `w1 ${NEW} target`, `w2 ${OLD} kept`]],
    ['a new control-plane node joins at the target', [cp('cp1', OLD), cp('cp4')], NEW, [`cp1 ${OLD} kept`, `cp4 ${NEW} target`]],
    ['a downgrade: a reimaged worker goes first, to the target', [cp('cp1', NEW), worker('w1', NEW, true)], OLD, [`cp1 ${NEW} kept`, `w1 ${OLD} target`]],
    ['a patch release for a worker waits for the control plane too', [cp('cp1', 'v1.33.2'), worker('w1', 'v1.33.2', true)], 'v1.33.5', ['cp1 v1.33.2 kept', 'w1 v1.33.2 cluster-version']],
  ])('%s', (_name, nodes, target, expected) => {
    const plan = planNodeVersions(nodes, target);
    expect(plan.violations).toEqual([]);
    expect(plan.nodes.map((n) => `${n.name} ${n.version} ${n.reason}`)).toEqual(expected);
  });
});

describe('planNodeVersions: refusals, with the rule that breaks', () => {
  it.each<[string, NodeVersionInput[], string, string[]]>([
    ['two minors up', [cp('cp1', OLD, true), worker('w1', OLD)], 'v1.35.0', ['control-plane-one-minor']],
    ['two minors down', [cp('cp1', 'v1.35.0'), worker('w1', 'v1.35.0')], OLD, ['downgrade']],
    ['a downgrade with the control plane before its workers', [cp('cp1', NEW, true), worker('w1', NEW)], OLD, ['kubelet-newer-than-api-server']],
    ['a kubelet left more than three minors behind', [cp('cp1', 'v1.33.0'), worker('w1', 'v1.30.0')], NEW, ['kubelet-too-old']],
    ['an unsupported target', [cp('cp1', OLD)], 'v1.99.0', ['supported-version']],
  ])('%s', (_name, nodes, target, rules) => {
    expect(planNodeVersions(nodes, target).violations.map((v) => v.rule)).toEqual(rules);
  });

  it('names the worker, both versions and the order to follow', () => {
    const { violations } = planNodeVersions([cp('cp1', NEW, true), worker('w1', NEW)], OLD);
    expect(violations[0]!.message).toBe(`worker w1 runs ${NEW}, newer than the control plane's ${OLD} after this render: a kubelet is never newer than the API server; in a downgrade, reimage the workers first`);
    expect(describeViolations(violations)).toContain('the version skew policy: https://kubernetes.io/releases/version-skew-policy/');
  });
});
