// Which node labels a kubelet may set on itself with --node-labels. The kubelet refuses to start with
// any other label in the kubernetes.io / k8s.io namespaces, and the NodeRestriction admission plugin
// enforces the same rule (upstream: staging/src/k8s.io/kubelet/pkg/apis/well_known_labels.go
// KubeletLabels, KubeletLabelNamespaces, IsKubeletLabel).

const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'kubernetes.io/os',
  'kubernetes.io/arch',
]);

const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

function inNamespace(namespace: string, suffix: string): boolean {
  return namespace === suffix || namespace.endsWith(`.${suffix}`);
}

/** True when the kubelet may register itself with this label key. */
export function isKubeletSettableLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const slash = key.indexOf('/');
  const namespace = slash < 0 ? '' : key.slice(0, slash);
  if (KUBELET_LABEL_NAMESPACES.some((ns) => inNamespace(namespace, ns))) return true;
  return !inNamespace(namespace, 'kubernetes.io') && !inNamespace(namespace, 'k8s.io');
}
