import { describe, expect, it } from 'vitest';
import { isKubeletSettableLabel } from './labels.js';

describe('isKubeletSettableLabel', () => {
  it.each([
    { key: 'example.com/tier', ok: true },
    { key: 'plain', ok: true },
    { key: 'kubernetes.io/hostname', ok: true },
    { key: 'topology.kubernetes.io/zone', ok: true },
    { key: 'node.kubernetes.io/pool', ok: true },
    { key: 'x.kubelet.kubernetes.io/y', ok: true },
    { key: 'node-role.kubernetes.io/worker', ok: false },
    { key: 'kubernetes.io/role', ok: false },
    { key: 'foo.k8s.io/bar', ok: false },
    { key: 'notkubernetes.io/x', ok: true },
  ])('$key → $ok', ({ key, ok }) => {
    expect(isKubeletSettableLabel(key)).toBe(ok);
  });
});
