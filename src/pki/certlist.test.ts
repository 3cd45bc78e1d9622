// kubeadm's certificate list for the inventory variants that change it.
import { describe, expect, it } from 'vitest';
import { apiServerVirtualIP, kubeadmCAList, kubeadmCertList, type CertListInput } from './certlist.js';

const BASE: CertListInput = {
  nodeName: 'cp-1',
  advertiseAddress: '10.0.0.11',
  localEtcd: true,
  cluster: {
    controlPlaneEndpoint: { host: 'lb.example.test', port: 6443 },
    networking: { serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' },
    apiServer: { certSANs: [] },
    certificates: { validityHours: 8760 },
  },
};

const withCluster = (c: Partial<CertListInput['cluster']>, rest: Partial<CertListInput> = {}): CertListInput => ({ ...BASE, ...rest, cluster: { ...BASE.cluster, ...c } });

describe('kubeadmCertList', () => {
  it.each([
    {
      name: 'DNS endpoint goes to DNS SANs',
      input: BASE,
      dns: ['cp-1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'lb.example.test'],
      ips: ['10.96.0.1', '10.0.0.11'],
    },
    {
      name: 'IP endpoint goes to IP SANs; certSANs split into DNS and IP',
      input: withCluster({ controlPlaneEndpoint: { host: '10.0.0.100', port: 6443 }, apiServer: { certSANs: ['api.example.test', '192.0.2.7'] } }),
      dns: ['api.example.test', 'cp-1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      ips: ['10.96.0.1', '10.0.0.11', '10.0.0.100', '192.0.2.7'],
    },
    {
      name: 'duplicates collapse (certSANs repeating defaults, the node name, the advertise address); IPv6 in canonical form',
      input: withCluster({ apiServer: { certSANs: ['kubernetes', 'cp-1', '10.0.0.11', 'FD00:0:0::0100'] } }),
      dns: ['cp-1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'lb.example.test'],
      ips: ['10.96.0.1', '10.0.0.11', 'fd00::100'],
    },
    {
      name: 'dual-stack service subnet: the first subnet gives the virtual IP; custom DNS domain',
      input: withCluster({ networking: { serviceSubnet: '10.112.0.0/16,fd00:10:96::/112', dnsDomain: 'corp.internal' } }),
      dns: ['cp-1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.corp.internal', 'lb.example.test'],
      ips: ['10.112.0.1', '10.0.0.11'],
    },
  ])('apiserver SANs: $name', ({ input, dns, ips }) => {
    const apiserver = kubeadmCertList(input).find((s) => s.name === 'apiserver')!;
    expect(apiserver.dnsNames).toEqual(dns);
    expect(apiserver.ips).toEqual(ips);
  });

  it.each([
    { localEtcd: true, names: ['apiserver', 'apiserver-kubelet-client', 'front-proxy-client', 'etcd/server', 'etcd/peer', 'etcd/healthcheck-client', 'apiserver-etcd-client'], cas: ['ca', 'front-proxy-ca', 'etcd/ca'] },
    { localEtcd: false, names: ['apiserver', 'apiserver-kubelet-client', 'front-proxy-client'], cas: ['ca', 'front-proxy-ca'] },
  ])('localEtcd=$localEtcd gives kubeadm GetDefaultCertList / GetCertsWithoutEtcd', ({ localEtcd, names, cas }) => {
    expect(kubeadmCertList({ ...BASE, localEtcd }).map((s) => s.baseName)).toEqual(names);
    expect(kubeadmCAList(localEtcd).map((c) => c.baseName)).toEqual(cas);
  });

  it('carries the cluster validity to every certificate', () => {
    expect(new Set(kubeadmCertList(withCluster({ certificates: { validityHours: 720 } })).map((s) => s.validityHours))).toEqual(new Set([720]));
  });

  it.each([
    { name: 'a host name as advertise address', input: { ...BASE, advertiseAddress: 'cp-1.example.test' }, error: /advertise address "cp-1.example.test" is not an IP address/ },
    { name: 'a service subnet that is not a CIDR', input: withCluster({ networking: { serviceSubnet: '10.96.0.0', dnsDomain: 'cluster.local' } }), error: /"10.96.0.0" is not a CIDR; expected an address and prefix length/ },
  ])('rejects $name', ({ input, error }) => {
    expect(() => kubeadmCertList(input)).toThrow(error);
  });
});

describe('apiServerVirtualIP', () => {
  it.each([
    ['10.96.0.0/12', '10.96.0.1'],
    ['10.96.5.7/12', '10.96.0.1'],
    ['fd00:10:96::/112', 'fd00:10:96::1'],
    [' 172.20.0.0/16 , fd00::/108', '172.20.0.1'],
  ])('%s -> %s', (subnet, ip) => {
    expect(apiServerVirtualIP(subnet)).toBe(ip);
  });
});
