// Debian's etcd is 3.4.23, while kubeadm for Kubernetes v1.34+ writes flags for etcd 3.6 (kubeadm:
// cmd/kubeadm/app/phases/etcd/local.go getEtcdCommand). This is the complete, explicit table of what
// the test kubelet rewrites so that 3.4 accepts an otherwise unchanged command line; every other flag
// reaches etcd as written, and etcd itself rejects flags it does not know.
//   --feature-gates=InitialCorruptCheck=<b>     -> --experimental-initial-corrupt-check=<b>
//   --watch-progress-notify-interval=<d>        -> --experimental-watch-progress-notify-interval=<d>
// A feature gate outside the table is an error: there is no 3.4 equivalent to translate it to.

const GATES: Record<string, string> = {
  InitialCorruptCheck: '--experimental-initial-corrupt-check',
};

const RENAMED: Record<string, string> = {
  '--watch-progress-notify-interval': '--experimental-watch-progress-notify-interval',
};

/** etcd 3.6 command-line flags rewritten for etcd 3.4 per the table above. */
export function etcd34Args(args: readonly string[]): string[] {
  return args.flatMap((arg) => {
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (name === '--feature-gates') {
      return (value ?? '').split(',').filter(Boolean).map((gate) => {
        const [gateName, enabled] = gate.split('=');
        const flag = GATES[gateName!];
        if (!flag) throw new Error(`etcd feature gate ${gateName} has no etcd 3.4 equivalent in test/cluster/etcd-compat.ts`);
        return `${flag}=${enabled ?? 'true'}`;
      });
    }
    const renamed = RENAMED[name];
    return renamed ? [value === undefined ? renamed : `${renamed}=${value}`] : [arg];
  });
}
