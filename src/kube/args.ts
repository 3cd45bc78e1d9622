// Command-line argument lists the way kubeadm builds them (upstream: cmd/kubeadm/app/util/arguments.go
// ArgumentsToCommand): an override removes every base argument of the same name, then all arguments
// are sorted by name (then value) and rendered as --name=value.

export type Args = Record<string, string>;

export function argumentsToCommand(base: Args, overrides: Args): string[] {
  const merged: Array<[string, string]> = [
    ...Object.entries(overrides),
    ...Object.entries(base).filter(([name]) => !Object.hasOwn(overrides, name)),
  ];
  merged.sort(([an, av], [bn, bv]) => (an === bn ? compare(av, bv) : compare(an, bn)));
  return merged.map(([name, value]) => `--${name}=${value}`);
}

/** Byte-wise comparison, as Go's < on strings (localeCompare would not match). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
