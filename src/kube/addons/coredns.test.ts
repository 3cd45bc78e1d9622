import { describe, expect, it } from 'vitest';
import { toYamlDocuments } from '../../yaml.js';
import { SUPPORTED_VERSIONS } from '../../versions.js';
import { testCluster } from '../test-fixtures.js';
import { coreDNSAddon, coreDNSDeployment, corefile, kubeDNSService } from './coredns.js';

describe('CoreDNS addon', () => {
  it.each(['v1.31.3', 'v1.33.2'])('%s objects match the snapshot', async (version) => {
    await expect(toYamlDocuments(coreDNSAddon(testCluster({ kubernetesVersion: version })))).toMatchFileSnapshot(`__snapshots__/coredns-${version}.yaml`);
  });

  it.each(SUPPORTED_VERSIONS.map((v) => ({ version: `v1.${v.minor}.0`, tag: v.coreDNSImageTag })))('$version uses coredns image $tag', ({ version, tag }) => {
    expect(coreDNSDeployment(testCluster({ kubernetesVersion: version })).spec.template.spec.containers[0]!.image).toBe(`registry.k8s.io/coredns/coredns:${tag}`);
  });

  it.each([
    { version: 'v1.31.0', cache: '    cache 30\n' },
    { version: 'v1.32.0', cache: '    cache 30 {\n       disable success cluster.local\n       disable denial cluster.local\n    }\n' },
  ])('$version Corefile cache block', ({ version, cache }) => {
    expect(corefile(testCluster({ kubernetesVersion: version }))).toContain(cache);
  });

  it('serves the cluster domain given in networking', () => {
    const cluster = testCluster({ networking: { podSubnet: '', serviceSubnet: '10.96.0.0/12', dnsDomain: 'corp.internal' } });
    expect(corefile(cluster)).toContain('kubernetes corp.internal in-addr.arpa ip6.arpa {');
  });

  it('kube-dns Service sits on the tenth service IP', () => {
    const svc = kubeDNSService(testCluster({ networking: { podSubnet: '', serviceSubnet: '172.20.0.0/16', dnsDomain: 'cluster.local' } }));
    expect(svc.spec.clusterIP).toBe('172.20.0.10');
    expect(svc.metadata.name).toBe('kube-dns');
  });
});
