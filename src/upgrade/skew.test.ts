import { describe, expect, it } from 'vitest';
import { checkUpgrade, clusterVersion, kubeletAllowed, type ComponentVersion } from './skew.js';

const cp = (node: string, version: string): ComponentVersion[] =>
  (['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet'] as const).map((component) => ({ component, node, version }));
const worker = (node: string, version: string): ComponentVersion => ({ component: 'kubelet', node, version });

describe('checkUpgrade: the version skew policy for a whole-cluster move', () => {
  it.each<[string, ComponentVersion[], string, string[]]>([
    ['one minor up', [...cp('cp1', 'v1.33.2'), worker('w1', 'v1.33.2')], 'v1.34.1', []],
    ['a patch release', [...cp('cp1', 'v1.33.2')], 'v1.33.5', []],
    ['one minor down', [...cp('cp1', 'v1.34.1')], 'v1.33.2', []],
    ['two minors up: one at a time', [...cp('cp1', 'v1.33.2')], 'v1.35.0', ['control-plane-one-minor']],
    ['two minors down', [...cp('cp1', 'v1.35.0')], 'v1.33.2', ['downgrade']],
    ['API servers already two minors apart', [...cp('cp1', 'v1.32.1'), ...cp('cp2', 'v1.34.1')], 'v1.34.1', ['api-servers-within-one-minor', 'control-plane-one-minor']],
    ['mid-upgrade control plane continues to the newer minor', [...cp('cp1', 'v1.33.2'), ...cp('cp2', 'v1.34.1')], 'v1.34.1', []],
    ['a kubelet more than three minors behind the target', [...cp('cp1', 'v1.33.2'), worker('w1', 'v1.30.0')], 'v1.34.1', ['kubelet-too-old']],
    ['a kubelet exactly three minors behind is allowed', [...cp('cp1', 'v1.33.2'), worker('w1', 'v1.31.0')], 'v1.34.1', []],
    ['an unsupported target', [...cp('cp1', 'v1.33.2')], 'v1.99.0', ['supported-version']],
    ['a malformed target', [...cp('cp1', 'v1.33.2')], '1.34', ['supported-version']],
  ])('%s', (_name, versions, target, rules) => {
    expect(checkUpgrade(versions, target).map((v) => v.rule)).toEqual(rules);
  });

  it('names the node and the next step in its message', () => {
    const [v] = checkUpgrade(cp('cp1', 'v1.33.2'), 'v1.35.0');
    expect(v!.message).toBe("v1.35.0 is more than one minor version above the cluster's v1.33.2 (on cp1): the control plane moves one minor version at a time; upgrade to the latest v1.34 release first");
  });
});

describe('kubeletAllowed: a node rendered at a release while the API servers run another', () => {
  it('refuses a kubelet newer than the API server (workers before the control plane)', () => {
    expect(kubeletAllowed('v1.34.1', 'v1.33.2')?.rule).toBe('kubelet-newer-than-api-server');
  });
  it('allows the same or up to three minors older, refuses four', () => {
    expect(kubeletAllowed('v1.33.0', 'v1.33.2')).toBeUndefined();
    expect(kubeletAllowed('v1.30.0', 'v1.33.2')).toBeUndefined();
    expect(kubeletAllowed('v1.29.0', 'v1.33.2')?.rule).toBe('kubelet-too-old');
  });
});

it('clusterVersion is the oldest API server; etcd tags and unknown versions do not count', () => {
  expect(clusterVersion([...cp('cp1', 'v1.34.1'), ...cp('cp2', 'v1.33.10'), { component: 'etcd', node: 'cp1', version: '3.5.21-0' }, { component: 'kube-apiserver', node: 'cp3' }])).toBe('v1.33.10');
});
