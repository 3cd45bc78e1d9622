import { describe, expect, it } from 'vitest';
import * as f from './formats.js';
import type { Parse } from './formats.js';

type Case = [string, Parse, string, unknown];
const valid = (name: string, parse: Parse, input: string, value: unknown): Case => [name, parse, input, value];

describe('formats accept and normalise', () => {
  it.each<Case>([
    valid('duration hours', f.duration('hours'), '8760h', 8760),
    valid('duration mixed units', f.duration('seconds'), '1h30m', 5400),
    valid('duration fraction', f.duration('seconds'), '1.5h', 5400),
    valid('duration sub-second', f.duration('seconds'), '1500ms', 1.5),
    valid('endpoint default port', f.endpoint, 'cp.demo.internal', { host: 'cp.demo.internal', port: 6443 }),
    valid('endpoint IPv4 with port', f.endpoint, '10.0.0.10:443', { host: '10.0.0.10', port: 443 }),
    valid('endpoint IPv6 in brackets', f.endpoint, '[::1]:6443', { host: '::1', port: 6443 }),
    valid('endpoint IPv6 in brackets, default port', f.endpoint, '[FD00::10]', { host: 'fd00::10', port: 6443 }),
    valid('MAC with dashes', f.macAddress, '52-54-00-AB-CD-EF', '52:54:00:ab:cd:ef'),
    valid('UUID upper case', f.smbiosUUID, '4C4C4544-0042-3510-8051-B4C04F4E3132', '4c4c4544-0042-3510-8051-b4c04f4e3132'),
    valid('taint with value', f.taintString, 'dedicated=infra:NoSchedule', { key: 'dedicated', value: 'infra', effect: 'NoSchedule' }),
    valid('taint without value', f.taintString, 'example.com/gpu:NoExecute', { key: 'example.com/gpu', effect: 'NoExecute' }),
    valid('taint with empty value', f.taintString, 'k=:PreferNoSchedule', { key: 'k', value: '', effect: 'PreferNoSchedule' }),
    valid('label key with prefix', f.labelKey, 'node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/control-plane'),
    valid('empty label value', f.labelValue, '', ''),
    valid('node label in an allowed kubernetes.io namespace', f.nodeLabelKey, 'node.kubernetes.io/pool', 'node.kubernetes.io/pool'),
    valid('node label from the kubelet\'s allowed set', f.nodeLabelKey, 'topology.kubernetes.io/zone', 'topology.kubernetes.io/zone'),
    valid('node label under a custom domain', f.nodeLabelKey, 'example.com/role', 'example.com/role'),
    valid('SAN wildcard', f.certSAN, '*.demo.internal', '*.demo.internal'),
    valid('SAN IPv6 canonical', f.certSAN, 'FD00:0::10', 'fd00::10'),
    valid('image repository with port and path', f.imageRepository, 'my.registry:5000/k8s/mirror', 'my.registry:5000/k8s/mirror'),
    valid('subnet IPv6', f.subnet, 'fd00:10:244::/56', 'fd00:10:244::/56'),
    valid('interface address keeps host bits', f.interfaceAddress, '10.0.0.11/24', '10.0.0.11/24'),
    valid('preflight name lower-cased as kubeadm compares', f.preflightCheck, 'Port-6443', 'port-6443'),
    valid('kubernetes version', f.kubernetesVersion, 'v1.35.0', 'v1.35.0'),
    valid('http URL', f.url(['http', 'https']), 'http://kgen-pxe:8080', 'http://kgen-pxe:8080'),
    valid('a loopback name server (systemd-resolved) is an address a host may use', f.ipAddress, '127.0.0.53', '127.0.0.53'),
    valid('endpoint on loopback (a local load balancer)', f.endpoint, '127.0.0.1:6443', { host: '127.0.0.1', port: 6443 }),
    valid('node address, IPv6 canonical', f.nodeAddress, 'FD00::0:11', 'fd00::11'),
    valid('duration at the top of its range', f.duration('seconds', { min: '1m', max: '87600h', wholeSeconds: true }), '87600h', 315360000),
    valid('duration at the bottom of its range', f.duration('hours', { min: '1h' }), '60m', 1),
    valid('seed base URL with a path and trailing slash', f.seedBaseURL, 'https://seeds.example.com/fleet/', 'https://seeds.example.com/fleet/'),
    valid('kernel argument with = and ,', f.kernelArg, 'console=ttyS0,115200n8', 'console=ttyS0,115200n8'),
    valid('node name that merely contains a reserved word', f.nodeName, 'by-mac-1', 'by-mac-1'),
  ])('%s: %j', (_name, parse, input, value) => {
    expect(parse(input)).toEqual({ value });
  });
});

describe('formats reject with a message naming the value and the expectation', () => {
  it.each<[string, Parse, string, string]>([
    ['duration without unit', f.duration('hours'), '8760', '"8760" is not a duration; expected Go duration syntax such as "24h", "30m" or "1h30m"'],
    ['duration zero', f.duration('seconds'), '0s', '"0s" is not a positive duration'],
    ['duration days (Go has none)', f.duration('hours'), '365d', '"365d" is not a duration; expected Go duration syntax such as "24h", "30m" or "1h30m"'],
    ['endpoint port 0', f.endpoint, 'cp:0', '"cp:0" has port 0; expected a port from 1 to 65535'],
    ['endpoint bad host', f.endpoint, 'cp_1:6443', '"cp_1:6443" is not a valid endpoint: "cp_1" is neither an IP address nor a DNS name; expected host:port, e.g. "cp.example.internal:6443", "10.0.0.10:6443" or "[fd00::10]:6443"'],
    ['endpoint IPv4 in brackets', f.endpoint, '[10.0.0.1]:6443', '"[10.0.0.1]:6443": "10.0.0.1" in brackets is not an IPv6 address'],
    ['endpoint with scheme', f.endpoint, 'https://cp:6443', '"https://cp:6443" is not a valid endpoint; expected host:port, e.g. "cp.example.internal:6443", "10.0.0.10:6443" or "[fd00::10]:6443"'],
    ['MAC mixed separators', f.macAddress, '52:54-00:00:00:11', '"52:54-00:00:00:11" is not a MAC address; expected six hex pairs like "52:54:00:12:34:56"'],
    ['taint bad key', f.taintString, 'a b:NoSchedule', 'label key "a b" is not valid: the name part must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit'],
    ['label key with bad prefix', f.labelKey, 'Example.com/x', 'label key "Example.com/x" has prefix "Example.com", which is not a DNS subdomain'],
    ['node-role label, which the kubelet refuses', f.nodeLabelKey, 'node-role.kubernetes.io/worker',
      'label "node-role.kubernetes.io/worker" is in the kubernetes.io/k8s.io namespace, which the kubelet refuses in --node-labels; use a prefix under node.kubernetes.io/ or your own domain (e.g. "example.com/role"), or label the node after it joins'],
    ['k8s.io label', f.nodeLabelKey, 'x.k8s.io/y',
      'label "x.k8s.io/y" is in the kubernetes.io/k8s.io namespace, which the kubelet refuses in --node-labels; use a prefix under node.kubernetes.io/ or your own domain (e.g. "example.com/role"), or label the node after it joins'],
    ['label value too long', f.labelValue, 'x'.repeat(64), `label value "${'x'.repeat(64)}" is not valid: use at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
    ['subnet dual-stack', f.subnet, '10.244.0.0/16,fd00::/56', '"10.244.0.0/16,fd00::/56" lists several subnets; dual-stack is not supported, give one CIDR'],
    ['image repository with scheme', f.imageRepository, 'https://registry.k8s.io', '"https://registry.k8s.io" is not an image repository; expected a registry host with an optional path, like "registry.k8s.io" or "my.registry:5000/k8s", without scheme or trailing "/"'],
    ['URL wrong scheme', f.url(['https']), 'ftp://x/y', '"ftp://x/y" uses ftp; expected an https URL'],
    ['URL relative', f.url(['https']), 'etcd-1:2379', '"etcd-1:2379" uses etcd-1; expected an https URL'],
    ['bootstrap group outside system:bootstrappers', f.bootstrapGroup, 'system:nodes', '"system:nodes" is not a bootstrap group; it must match system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]'],
    ['DNS label too long', f.dnsLabel, 'a'.repeat(64), `"${'a'.repeat(64)}" is not a DNS-1123 label: use at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit`],
    ['interface name too long', f.interfaceName, 'averyveryverylongname', '"averyveryverylongname" is not a network interface name; expected at most 15 characters without "/", ":" or spaces, e.g. "eth0" or "enp1s0"'],
  ])('%s: %j', (_name, parse, input, error) => {
    expect(parse(input)).toEqual({ error });
  });
});
