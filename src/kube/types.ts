// Minimal typed shapes of the Kubernetes objects kgen emits: only the fields kubeadm writes.
// Field names follow the upstream API types (k8s.io/api core/v1, apps/v1, rbac/v1); the objects are
// plain data, serialized only through src/yaml.ts.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  resourceVersion?: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface HTTPGetAction {
  host?: string;
  path: string;
  port: number;
  scheme: 'HTTP' | 'HTTPS';
}

export interface Probe {
  failureThreshold?: number;
  httpGet: HTTPGetAction;
  initialDelaySeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  timeoutSeconds?: number;
}

export type HostPathType = 'DirectoryOrCreate' | 'FileOrCreate' | 'File' | 'Directory';

export interface Volume {
  name: string;
  hostPath?: { path: string; type?: HostPathType };
  configMap?: { name: string; items?: Array<{ key: string; path: string }> };
}

export interface VolumeMount {
  mountPath: string;
  name: string;
  readOnly?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef: { fieldPath: string } };
}

export interface ResourceRequirements {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

export interface ContainerPort {
  containerPort: number;
  name: string;
  protocol: 'TCP' | 'UDP';
}

export interface Container {
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  image: string;
  imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  livenessProbe?: Probe;
  name: string;
  ports?: ContainerPort[];
  readinessProbe?: Probe;
  resources?: ResourceRequirements;
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    privileged?: boolean;
    readOnlyRootFilesystem?: boolean;
  };
  startupProbe?: Probe;
  volumeMounts?: VolumeMount[];
}

export interface Toleration {
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
}

export interface PodSpec {
  affinity?: unknown;
  containers: Container[];
  dnsPolicy?: 'Default' | 'ClusterFirst';
  hostNetwork?: boolean;
  nodeSelector?: Record<string, string>;
  priority?: number;
  priorityClassName?: string;
  securityContext?: { seccompProfile: { type: 'RuntimeDefault' } };
  serviceAccountName?: string;
  tolerations?: Toleration[];
  volumes?: Volume[];
}

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
}

export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}

export interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    strategy: { rollingUpdate: { maxUnavailable: number }; type: 'RollingUpdate' };
    template: PodTemplate;
  };
}

export interface DaemonSet {
  apiVersion: 'apps/v1';
  kind: 'DaemonSet';
  metadata: ObjectMeta;
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: PodTemplate;
    updateStrategy: { type: 'RollingUpdate' };
  };
}

export interface ServicePort {
  name: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  targetPort: number;
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: { clusterIP: string; ports: ServicePort[]; selector: Record<string, string> };
}

export interface ServiceAccount {
  apiVersion: 'v1';
  kind: 'ServiceAccount';
  metadata: ObjectMeta;
}

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data: Record<string, string>;
}

export interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  type: string;
  /** Values base64-encoded, as the API stores them. */
  data: Record<string, string>;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

export interface Subject {
  kind: 'Group' | 'User' | 'ServiceAccount';
  name: string;
  /** Only for ServiceAccount subjects. */
  namespace?: string;
  /** rbac.authorization.k8s.io for Group and User subjects. */
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: 'rbac.authorization.k8s.io';
  kind: 'Role' | 'ClusterRole';
  name: string;
}

export interface Role {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'Role';
  metadata: ObjectMeta;
  rules: PolicyRule[];
}

export interface ClusterRole {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRole';
  metadata: ObjectMeta;
  rules: PolicyRule[];
}

export interface RoleBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'RoleBinding';
  metadata: ObjectMeta;
  roleRef: RoleRef;
  subjects: Subject[];
}

export interface ClusterRoleBinding {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRoleBinding';
  metadata: ObjectMeta;
  roleRef: RoleRef;
  subjects: Subject[];
}

/** Any object kgen sends to the API server. */
export type KubeObject =
  | ConfigMap
  | Secret
  | Role
  | RoleBinding
  | ClusterRole
  | ClusterRoleBinding
  | ServiceAccount
  | Service
  | Deployment
  | DaemonSet;
