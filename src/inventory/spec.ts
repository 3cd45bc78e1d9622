// The nodes.yaml schema: every field, its kind, whether it is required and its default, in one table.
// Defaults are kubeadm's where kubeadm has one (upstream: cmd/kubeadm/app/apis/kubeadm/v1beta4/defaults.go,
// cmd/kubeadm/app/constants/constants.go). Defaults that depend on other fields (init node, taints,
// controlPlaneEndpoint, kubelet clusterDNS/clusterDomain, pxe.imageBaseURL) are applied in derive.ts.
import * as f from './formats.js';
import { KEY_ALGORITHMS } from '../pki/types.js';
import { bool, either, int, list, map, obj, oneOf, opt, req, str, variant, type Schema } from './schema.js';

const extraArgs = opt(map(str(), f.flagName), {});

// Duration ranges. Certificates: at least an hour (the upper end is X.509's last encodable date, checked
// against the clock in semantic.ts). Bootstrap token: whole seconds (kubeadm's token TTL), at most ten years.
// Discovery: whole seconds (kgen-boot's node.yaml holds an integer), at most a week of waiting.
const CERT_VALIDITY: f.DurationRange = { min: '1h' };
const TOKEN_TTL: f.DurationRange = { min: '1m', max: '87600h', wholeSeconds: true };
const DISCOVERY_TIMEOUT: f.DurationRange = { min: '10s', max: '168h', wholeSeconds: true };
// Certificate renewal window: whole seconds (the renewal timer's command line), at least a day (the timer runs daily).
const RENEWAL_WINDOW: f.DurationRange = { min: '24h', wholeSeconds: true };

const etcd = obj(
  {
    local: opt(obj({ extraArgs, dataDir: opt(str(f.absolutePath), '/var/lib/etcd') }), {}),
    external: opt(
      obj({
        endpoints: req(list(str(f.url(['https'])))),
        caFile: req(str(f.localPath)),
        certFile: req(str(f.localPath)),
        keyFile: req(str(f.localPath)),
      }),
    ),
  },
  { exclusive: ['local', 'external'] },
);

const cluster = obj({
  name: req(str(f.dnsLabel)),
  kubernetesVersion: req(str(f.kubernetesVersion)),
  controlPlaneEndpoint: opt(str(f.endpoint)),
  networking: opt(
    obj({
      podSubnet: opt(str(f.subnet), '10.244.0.0/16'),
      serviceSubnet: opt(str(f.subnet), '10.96.0.0/12'),
      dnsDomain: opt(str(f.dnsSubdomain), 'cluster.local'),
    }),
    {},
  ),
  etcd: opt(etcd, {}),
  certificates: opt(
    obj({
      keyAlgorithm: opt(oneOf(...KEY_ALGORITHMS), 'RSA-2048'),
      validity: { ...opt(str(f.duration('hours', CERT_VALIDITY)), '8760h'), as: 'validityHours' },
      caValidity: { ...opt(str(f.duration('hours', CERT_VALIDITY)), '87600h'), as: 'caValidityHours' },
    }),
    {},
  ),
  // The renewal timer user-data installs on control-plane nodes (docs/inventory.md).
  certificateRenewal: opt(
    obj({
      enabled: opt(bool, true),
      before: { ...opt(str(f.duration('seconds', RENEWAL_WINDOW)), '720h'), as: 'beforeSeconds' },
    }),
    {},
  ),
  bootstrapToken: opt(
    obj({
      ttl: { ...opt(str(f.duration('seconds', TOKEN_TTL)), '24h'), as: 'ttlSeconds' },
      groups: opt(list(str(f.bootstrapGroup)), ['system:bootstrappers:kubeadm:default-node-token']),
      description: opt(str(), ''),
    }),
    {},
  ),
  imageRepository: opt(str(f.imageRepository), 'registry.k8s.io'),
  apiServer: opt(obj({ certSANs: opt(list(str(f.certSAN)), []), extraArgs }), {}),
  controllerManager: opt(obj({ extraArgs }), {}),
  scheduler: opt(obj({ extraArgs }), {}),
  // KubeletConfiguration (kubelet.config.k8s.io/v1beta1): free-form; the fields kgen relies on are checked.
  kubelet: opt(
    obj(
      {
        cgroupDriver: opt(oneOf('systemd', 'cgroupfs'), 'systemd'),
        clusterDNS: opt(list(str(f.ipAddress))),
        clusterDomain: opt(str(f.dnsSubdomain)),
      },
      { open: true },
    ),
    {},
  ),
  addons: opt(
    obj({
      coreDNS: opt(obj({ enabled: opt(bool, true) }), {}),
      kubeProxy: opt(obj({ enabled: opt(bool, true), mode: opt(oneOf('iptables', 'ipvs', 'nftables'), 'iptables') }), {}),
      cni: opt(obj({ manifest: req(str(f.localPath)) })),
    }),
    {},
  ),
  encryptionAtRest: opt(bool, false),
  boot: opt(
    obj({
      delivery: opt(oneOf('embed', 'url', 'baked'), 'embed'),
      url: opt(str(f.url(['https', 'http']))),
      // Default by delivery (derive.ts): the executable's name, or the module's `.mjs` name for embed.
      path: opt(str(f.absolutePath)),
      installNodejs: opt(bool, false),
      discoveryTimeout: { ...opt(str(f.duration('seconds', DISCOVERY_TIMEOUT)), '30m'), as: 'discoveryTimeoutSeconds' },
    }),
    {},
  ),
  ignorePreflightErrors: opt(list(str(f.preflightCheck)), []),
  pxe: opt(
    obj({
      seedBaseURL: opt(str(f.seedBaseURL), 'http://kgen-pxe:8080'),
      imageBaseURL: opt(str(f.imageBaseURL)),
      kernelArgs: opt(list(str(f.kernelArg)), []),
    }),
    {},
  ),
});

// A node's network: the one-interface shorthand, or network-config v2's device sections for bonds, VLANs and
// bridges. The device keys are the subset cloud-init's v2 parser reads (cloudinit/net/network_state.py
// handle_ethernets, handle_bonds, handle_bridges, handle_vlans, _v2_to_v1_ipcfg): a bond or bridge parameter
// outside NET_CONFIG_TO_V2 there makes cloud-init 22.4 fail with a KeyError, so those are refused here.
const UINT32 = 2 ** 32 - 1;
const addressing = {
  dhcp4: opt(bool),
  dhcp6: opt(bool),
  addresses: opt(list(str(f.interfaceAddress))),
  routes: opt(list(obj({ to: req(str(f.routeDestination)), via: opt(str(f.ipAddress)), metric: opt(int(0, UINT32)), 'on-link': opt(bool) }))),
  nameservers: opt(obj({ addresses: opt(list(str(f.ipAddress))), search: opt(list(str(f.dnsSubdomain))) })),
  mtu: opt(int(68, 65535)),
};
const devices = (device: Schema) => opt(map(device, f.interfaceName));
const network = variant(
  {
    name: 'one-interface shorthand',
    keys: ['interface', 'addresses', 'gateway', 'nameservers', 'searchDomains'],
    schema: obj({
      interface: req(str(f.interfaceName)),
      addresses: opt(list(str(f.interfaceAddress)), []),
      gateway: opt(str(f.ipAddress)),
      nameservers: opt(list(str(f.ipAddress)), []),
      searchDomains: opt(list(str(f.dnsSubdomain)), []),
    }),
  },
  {
    name: 'network-config v2 device sections',
    keys: ['ethernets', 'bonds', 'bridges', 'vlans'],
    schema: obj({
      ethernets: { ...devices(obj({
        match: opt(obj({ macaddress: opt(str(f.macAddress)), name: opt(str(f.nonEmpty)), driver: opt(str(f.nonEmpty)) })),
        'set-name': opt(str(f.interfaceName)),
        wakeonlan: opt(bool),
        ...addressing,
      })), default: {} },
      bonds: { ...devices(obj({
        interfaces: req(list(str(f.interfaceName))),
        parameters: opt(obj({
          mode: opt(oneOf('balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb')),
          'lacp-rate': opt(oneOf('slow', 'fast')),
          'mii-monitor-interval': opt(int(0, UINT32)),
          'min-links': opt(int(0, UINT32)),
          'transmit-hash-policy': opt(oneOf('layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4')),
          'ad-select': opt(oneOf('stable', 'bandwidth', 'count')),
          'up-delay': opt(int(0, UINT32)),
          'down-delay': opt(int(0, UINT32)),
          'arp-interval': opt(int(0, UINT32)),
          primary: opt(str(f.interfaceName)),
          'primary-reselect-policy': opt(oneOf('always', 'better', 'failure')),
          'fail-over-mac-policy': opt(oneOf('none', 'active', 'follow')),
          'gratuitous-arp': opt(int(1, 255)),
        })),
        ...addressing,
      })), default: {} },
      bridges: { ...devices(obj({
        interfaces: opt(list(str(f.interfaceName)), []),
        parameters: opt(obj({
          'ageing-time': opt(int(0, UINT32)),
          priority: opt(int(0, 65535)),
          'forward-delay': opt(int(0, UINT32)),
          'hello-time': opt(int(0, UINT32)),
          'max-age': opt(int(0, UINT32)),
          stp: opt(bool),
        })),
        ...addressing,
      })), default: {} },
      // VLAN 0 is priority tagging and 4095 reserved (IEEE 802.1Q).
      vlans: { ...devices(obj({ id: req(int(1, 4094)), link: req(str(f.interfaceName)), ...addressing })), default: {} },
    }),
  },
);

const node = obj({
  name: req(str(f.nodeName)),
  role: req(oneOf('control-plane', 'worker')),
  init: opt(bool),
  address: req(str(f.nodeAddress)),
  arch: opt(oneOf('amd64', 'arm64'), 'amd64'),
  mac: opt(str(f.macAddress)),
  uuid: opt(str(f.smbiosUUID)),
  serial: opt(str(f.nonEmpty)),
  network: opt(network),
  kubelet: opt(
    obj({
      criSocket: opt(str(f.criSocket), 'unix:///var/run/containerd/containerd.sock'),
      cgroupDriver: opt(oneOf('systemd', 'cgroupfs')),
      resolvConf: opt(str(f.absolutePath)),
      nodeIP: opt(str(f.nodeAddress)),
      hostnameOverride: opt(str(f.dnsSubdomain)),
      extraArgs,
    }),
    {},
  ),
  labels: opt(map(str(f.labelValue), f.nodeLabelKey), {}),
  taints: opt(list(either(str(f.taintString), obj({ key: req(str(f.labelKey)), value: opt(str(f.labelValue)), effect: req(oneOf(...f.TAINT_EFFECTS)) })))),
  kernelArgs: opt(list(str(f.kernelArg)), []),
});

/** The whole file: a cluster and its nodes. */
export const INVENTORY_SCHEMA: Schema = obj({ cluster: req(cluster), nodes: req(list(node)) });
