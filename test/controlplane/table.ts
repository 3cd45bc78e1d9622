// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/response.go),
// with the columns of upstream's printers (pkg/printers/internalversion/printers.go) for the kinds an
// operator lists during bootstrap, and the default Name / Created At columns for the rest. Rows
// carry the object as PartialObjectMetadata (includeObject=Metadata, the default).
import type { ResourceInfo } from './resources.js';
import type { KubeObject } from './store.js';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (name: string, type = 'string', format = '', priority = 0): Column => ({ name, type, format, description: name, priority });

/** duration.HumanDuration (staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

function nodeStatus(o: KubeObject): string {
  const conditions = ((o.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ?? []);
  const ready = conditions.find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if ((o.spec as { unschedulable?: boolean })?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(o: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) roles.add(k.slice('node-role.kubernetes.io/'.length));
    if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

function csrCondition(o: KubeObject): string {
  const st = (o.status ?? {}) as { certificate?: string; conditions?: Array<{ type: string }> };
  const types = (st.conditions ?? []).map((c) => c.type);
  const parts: string[] = types.filter((t) => t === 'Approved' || t === 'Denied' || t === 'Failed');
  if (parts.length === 0) return 'Pending';
  if (st.certificate) parts.push('Issued');
  return parts.join(',');
}

type Printer = { columns: Column[]; cells: (o: KubeObject, age: string) => unknown[] };

const PRINTERS: Record<string, Printer> = {
  nodes: {
    columns: [col('Name', 'string', 'name'), col('Status'), col('Roles'), col('Age'), col('Version')],
    cells: (o, age) => [o.metadata.name, nodeStatus(o), nodeRoles(o), age, (o.status as { nodeInfo?: { kubeletVersion?: string } })?.nodeInfo?.kubeletVersion ?? ''],
  },
  namespaces: {
    columns: [col('Name', 'string', 'name'), col('Status'), col('Age')],
    cells: (o, age) => [o.metadata.name, (o.status as { phase?: string })?.phase ?? '', age],
  },
  configmaps: {
    columns: [col('Name', 'string', 'name'), col('Data', 'integer'), col('Age')],
    cells: (o, age) => [o.metadata.name, Object.keys((o.data as object) ?? {}).length + Object.keys((o.binaryData as object) ?? {}).length, age],
  },
  secrets: {
    columns: [col('Name', 'string', 'name'), col('Type'), col('Data', 'integer'), col('Age')],
    cells: (o, age) => [o.metadata.name, o.type ?? 'Opaque', Object.keys((o.data as object) ?? {}).length, age],
  },
  certificatesigningrequests: {
    columns: [col('Name', 'string', 'name'), col('Age'), col('SignerName'), col('Requestor'), col('RequestedDuration'), col('Condition')],
    cells: (o, age) => {
      const spec = (o.spec ?? {}) as { signerName?: string; username?: string; expirationSeconds?: number };
      return [o.metadata.name, age, spec.signerName ?? '', spec.username ?? '', spec.expirationSeconds ? humanDuration(spec.expirationSeconds * 1000) : '<none>', csrCondition(o)];
    },
  },
};

const DEFAULT_PRINTER: Printer = {
  columns: [col('Name', 'string', 'name'), col('Created At', 'date')],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
};

/** True when the Accept header asks for a Table first (kubectl get). */
export function wantsTable(accept: string | undefined): boolean {
  const first = (accept ?? '').split(',')[0] ?? '';
  return /as=Table/.test(first) && /g=meta\.k8s\.io/.test(first);
}

export function toTable(res: ResourceInfo, items: KubeObject[], resourceVersion: string, now: Date) {
  const printer = PRINTERS[res.group === '' || res.group === 'certificates.k8s.io' ? res.resource : ''] ?? DEFAULT_PRINTER;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: printer.columns,
    rows: items.map((o) => ({
      cells: printer.cells(o, humanDuration(now.getTime() - Date.parse(o.metadata.creationTimestamp ?? now.toISOString()))),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
