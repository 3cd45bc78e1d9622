import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { kubeProxyConfigMap } from './addons/kubeproxy.js';
import { COMPONENT_CONFIG_HASH_ANNOTATION, configMapChecksum, signConfigMap } from './componentconfig.js';
import { testCluster } from './test-fixtures.js';
import { kubeletConfigConfigMap } from './uploadconfig.js';

describe('component-config checksum', () => {
  it('hashes values in sorted key order, ignoring keys themselves', () => {
    const want = `sha256:${createHash('sha256').update('AB').digest('hex')}`;
    expect(configMapChecksum({ data: { b: 'B', a: 'A' } })).toBe(want);
    expect(configMapChecksum({ data: { x: 'A', y: 'B' } })).toBe(want);
  });

  it('signConfigMap adds the annotation and keeps existing ones', () => {
    const cm = signConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { keep: 'me' } }, data: { k: 'v' } });
    expect(cm.metadata.annotations).toEqual({ keep: 'me', [COMPONENT_CONFIG_HASH_ANNOTATION]: configMapChecksum({ data: { k: 'v' } }) });
  });

  it.each([
    { name: 'kubelet-config with kubeadm defaults', cm: () => kubeletConfigConfigMap(testCluster()), signed: true },
    { name: 'kubelet-config with user fields', cm: () => kubeletConfigConfigMap(testCluster({ kubelet: { maxPods: 50 } })), signed: false },
    { name: 'kube-proxy iptables', cm: () => kubeProxyConfigMap(testCluster(), 'iptables'), signed: true },
    { name: 'kube-proxy ipvs', cm: () => kubeProxyConfigMap(testCluster(), 'ipvs'), signed: false },
  ])('$name signed=$signed', ({ cm, signed }) => {
    const c = cm();
    expect(c.metadata.annotations?.[COMPONENT_CONFIG_HASH_ANNOTATION]).toBe(signed ? configMapChecksum(c) : undefined);
  });
});
