// The kube-scheduler flags the test scheduler accepts: what kubeadm passes
// (cmd/kubeadm/app/phases/controlplane/manifests.go getSchedulerCommand) plus the secure serving and
// logging flags users commonly add through extraArgs. Anything else is an unknown flag, as for the
// real binary. Values must be given as --flag=value, the only form kubeadm writes.

const KNOWN = ['authentication-kubeconfig', 'authorization-kubeconfig', 'bind-address', 'kubeconfig', 'leader-elect', 'secure-port', 'v'];

export function parseSchedulerFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m) throw new Error(`unexpected argument "${arg}"; expected --flag=value`);
    if (!KNOWN.includes(m[1]!)) throw new Error(`unknown flag: --${m[1]}`);
    flags.set(m[1]!, m[2]!);
  }
  if (!flags.get('kubeconfig')) throw new Error('--kubeconfig is required');
  return flags;
}
