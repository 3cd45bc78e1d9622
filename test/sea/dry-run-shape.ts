/**
 * What stays the same between two `kgen-boot run --dry-run` outputs of one node: dry-run prints the
 * certificates and kubeconfigs it would write, and their serials, validity seconds and key sizes are new
 * on every run, as are the bootstrap token's expiration, the time spent waiting, and in a joiner's dry run the
 * simulated cluster's CA and so cluster-info's signature.
 */
export function dryRunShape(stdout: string): string[] {
  return stdout
    .replace(/-----BEGIN ([A-Z ]+)-----\n[\s\S]*?\n-----END \1-----/g, '<PEM $1>')
    .split('\n')
    .map((line) =>
      line
        .replace(/[A-Za-z0-9+/]{40,}={0,2}/g, '<base64>')
        .replace(/^(\s*expiration: )\S+$/, '$1<time>')
        .replace(/^(\s*jws-kubeconfig-[a-z0-9]{6}: )\S+$/, '$1<jws>')
        .replace(/, \d+ bytes\)/g, ', N bytes)')
        .replace(/ after [\d.]+s$/, ' after Ns'),
    );
}
