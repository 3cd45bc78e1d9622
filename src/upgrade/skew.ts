// The version skew policy an upgrade must keep, as rules over the versions a running cluster reports.
// Upstream: https://kubernetes.io/releases/version-skew-policy/ (kube-apiserver instances within one minor of each
// other; kubelet and kube-proxy never newer than kube-apiserver and at most three minors older, v1.28+;
// kube-controller-manager and kube-scheduler never newer and at most one minor older) and kubeadm's upgrade policy
// (cmd/kubeadm/app/phases/upgrade/policy.go EnforceVersionPolicies: the control plane moves one minor version at a
// time, up or down; detectTooOldKubelets).
import { SUPPORTED_RANGE, versionInfo } from '../versions.js';

/** policy.go MaximumAllowedMinorVersionUpgradeSkew and MaximumAllowedMinorVersionDowngradeSkew. */
export const CONTROL_PLANE_MINOR_STEP = 1;
/** Version skew policy: a kubelet may be up to three minors older than kube-apiserver (since v1.28). */
export const KUBELET_MAX_MINORS_BEHIND = 3;

export const SKEW_POLICY_URL = 'https://kubernetes.io/releases/version-skew-policy/';

export type Component = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'etcd' | 'kubelet';

/** One component instance and the version it reports (an image tag, or a kubelet's own report). */
export interface ComponentVersion {
  component: Component;
  node: string;
  /** `v1.33.2` for Kubernetes components; etcd's own tag (`3.5.21-0`) for etcd; undefined when unknown. */
  version?: string;
}

/** A rule the requested upgrade would break. */
export interface SkewViolation {
  rule: 'supported-version' | 'control-plane-one-minor' | 'api-servers-within-one-minor' | 'kubelet-too-old' | 'kubelet-newer-than-api-server' | 'downgrade';
  message: string;
}

interface Release {
  minor: number;
  patch: number;
}

/** `v1.33.2` → {minor: 33, patch: 2}; anything else (unknown, etcd tags) → undefined. */
export function parseRelease(version: string | undefined): Release | undefined {
  const m = /^v1\.(\d+)\.(\d+)$/.exec(version ?? '');
  return m ? { minor: Number(m[1]), patch: Number(m[2]) } : undefined;
}

function compare(a: Release, b: Release): number {
  return a.minor - b.minor || a.patch - b.patch;
}

/** Orders two `v1.MINOR.PATCH` versions (negative: `a` is older); undefined when either is malformed. */
export function compareVersions(a: string, b: string): number | undefined {
  const ra = parseRelease(a);
  const rb = parseRelease(b);
  return ra && rb ? compare(ra, rb) : undefined;
}

const of = (versions: readonly ComponentVersion[], component: Component) =>
  versions.filter((v) => v.component === component).flatMap((v) => {
    const release = parseRelease(v.version);
    return release ? [{ node: v.node, version: v.version!, release }] : [];
  });

/** The version the cluster runs: its oldest kube-apiserver (kubeadm's ClusterVersion asks the API server it reaches). */
export function clusterVersion(versions: readonly ComponentVersion[]): string | undefined {
  return of(versions, 'kube-apiserver').sort((a, b) => compare(a.release, b.release))[0]?.version;
}

/** Every rule moving the whole cluster to `target` would break, starting from `versions`. Empty: the upgrade is allowed. */
export function checkUpgrade(versions: readonly ComponentVersion[], target: string): SkewViolation[] {
  const violations: SkewViolation[] = [];
  const to = parseRelease(target);
  if (!to || !versionInfo(target)) {
    return [{ rule: 'supported-version', message: `${target} is not a Kubernetes release kgen supports (${SUPPORTED_RANGE})` }];
  }
  const apiServers = of(versions, 'kube-apiserver').sort((a, b) => compare(a.release, b.release));
  const oldest = apiServers[0];
  const newest = apiServers.at(-1);
  if (oldest && newest && newest.release.minor - oldest.release.minor > CONTROL_PLANE_MINOR_STEP) {
    violations.push({
      rule: 'api-servers-within-one-minor',
      message: `kube-apiserver runs ${oldest.version} on ${oldest.node} and ${newest.version} on ${newest.node}: API servers must stay within one minor version of each other; bring ${oldest.node} up first`,
    });
  }
  if (oldest && to.minor > oldest.release.minor + CONTROL_PLANE_MINOR_STEP) {
    const next = `v1.${oldest.release.minor + CONTROL_PLANE_MINOR_STEP}`;
    violations.push({
      rule: 'control-plane-one-minor',
      message: `${target} is more than one minor version above the cluster's ${oldest.version} (on ${oldest.node}): the control plane moves one minor version at a time; upgrade to the latest ${next} release first`,
    });
  }
  if (newest && to.minor < newest.release.minor - CONTROL_PLANE_MINOR_STEP) {
    violations.push({ rule: 'downgrade', message: `${target} is more than one minor version below ${newest.version} (on ${newest.node}): a downgrade moves one minor version at a time` });
  }
  const kubelets = of(versions, 'kubelet');
  const tooOld = kubelets.filter((k) => to.minor - k.release.minor > KUBELET_MAX_MINORS_BEHIND);
  if (tooOld.length > 0) {
    violations.push({
      rule: 'kubelet-too-old',
      message: `kubelets more than ${KUBELET_MAX_MINORS_BEHIND} minor versions older than ${target} would be left behind: ${tooOld.map((k) => `${k.node} (${k.version})`).join(', ')}; upgrade those nodes first`,
    });
  }
  return violations;
}

/**
 * Whether a node's kubelet may run `kubelet` while the oldest API server runs `apiServer`: never newer (workers
 * follow the control plane), at most KUBELET_MAX_MINORS_BEHIND minors older.
 */
export function kubeletAllowed(kubelet: string, apiServer: string): SkewViolation | undefined {
  const k = parseRelease(kubelet);
  const a = parseRelease(apiServer);
  if (!k || !a) return undefined;
  if (k.minor > a.minor) {
    return { rule: 'kubelet-newer-than-api-server', message: `a kubelet at ${kubelet} would be newer than the API server (${apiServer}): upgrade every control-plane node first` };
  }
  if (a.minor - k.minor > KUBELET_MAX_MINORS_BEHIND) {
    return { rule: 'kubelet-too-old', message: `a kubelet at ${kubelet} would be more than ${KUBELET_MAX_MINORS_BEHIND} minor versions older than the API server (${apiServer})` };
  }
  return undefined;
}
