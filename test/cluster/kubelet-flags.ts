// The test kubelet's command line: `--root DIR` (test only: the directory the node's paths live under)
// followed by kubelet flags exactly as kubeadm's drop-in and kubeadm-flags.env pass them. Only flags a
// kubeadm-built node can legitimately pass are known; any other flag is an error, as it would be for the
// real kubelet when the flag does not exist (removed flags such as --container-runtime or
// --network-plugin are rejected the same way). Flags are pflag-style: --name=value or --name value.
// Upstream flag definitions: cmd/kubelet/app/options/options.go.

export interface KubeletFlags {
  root: string;
  bootstrapKubeconfig?: string;
  kubeconfig?: string;
  config?: string;
  containerRuntimeEndpoint?: string;
  podInfraContainerImage?: string;
  nodeIP?: string;
  hostnameOverride?: string;
  /** --node-labels: key=value pairs. */
  nodeLabels: Record<string, string>;
  /** --register-with-taints: key[=value]:effect. */
  registerWithTaints: Array<{ key: string; value?: string; effect: string }>;
}

type Setter = (flags: KubeletFlags, value: string) => void;

const KNOWN: Record<string, Setter> = {
  root: (f, v) => (f.root = v),
  'bootstrap-kubeconfig': (f, v) => (f.bootstrapKubeconfig = v),
  kubeconfig: (f, v) => (f.kubeconfig = v),
  config: (f, v) => (f.config = v),
  'container-runtime-endpoint': (f, v) => (f.containerRuntimeEndpoint = v),
  'pod-infra-container-image': (f, v) => (f.podInfraContainerImage = v),
  'node-ip': (f, v) => (f.nodeIP = v),
  'hostname-override': (f, v) => (f.hostnameOverride = v),
  'node-labels': (f, v) => (f.nodeLabels = parseLabels(v)),
  'register-with-taints': (f, v) => (f.registerWithTaints = parseTaints(v)),
  v: (_, v) => {
    if (!/^\d+$/.test(v)) throw new Error(`--v=${v}: expected a number`);
  },
};

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--node-labels: "${pair}" is not key=value`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

/** "key=value:Effect,key:Effect" (upstream: pkg/util/taints ParseTaints). */
function parseTaints(text: string): KubeletFlags['registerWithTaints'] {
  return text
    .split(',')
    .filter(Boolean)
    .map((spec) => {
      const m = /^([^=:]+)(?:=([^:]*))?:([A-Za-z]+)$/.exec(spec);
      if (!m || !TAINT_EFFECTS.includes(m[3]!)) {
        throw new Error(`--register-with-taints: "${spec}" is not key[=value]:effect with effect one of ${TAINT_EFFECTS.join(', ')}`);
      }
      return m[2] === undefined ? { key: m[1]!, effect: m[3]! } : { key: m[1]!, value: m[2], effect: m[3]! };
    });
}

export function parseKubeletFlags(argv: readonly string[]): KubeletFlags {
  const flags: KubeletFlags = { root: '', nodeLabels: {}, registerWithTaints: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--?([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new Error(`unexpected argument "${arg}"; the kubelet takes flags only`);
    const setter = KNOWN[m[1]!];
    if (!setter) throw new Error(`unknown flag: --${m[1]} (the test kubelet knows --${Object.keys(KNOWN).join(', --')})`);
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`flag needs an argument: --${m[1]}`);
    }
    setter(flags, value);
  }
  if (!flags.root) throw new Error('--root is required: the directory holding this node\'s files');
  return flags;
}
