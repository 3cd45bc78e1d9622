// init phase "addon": CoreDNS and kube-proxy through the API (objects built by src/kube), and, beyond
// kubeadm, the inventory's CNI manifest applied object by object with createOrUpdate
// (upstream: cmd/kubeadm/app/cmd/phases/init/addons.go, phases/addons/dns/dns.go, phases/addons/proxy/proxy.go).
// CNI objects whose kind is not served yet (a CRD created moments before) are retried until served.
import { parseAllDocuments } from '../../../yaml-input.js';
import { coreDNSAddon, kubeProxyAddon, kubeProxyMode } from '../../../kube/index.js';
import { ApiError, type ObjectRef } from '../../../cluster/api-client.js';
import type { Phase } from '../../runner.js';
import { pollUntil } from '../../wait.js';
import type { BootData } from '../../data.js';

const TAG = 'addons';

/** The objects of a multi-document manifest (List kinds expanded); errors name the document. */
export function manifestObjects(manifest: string): ObjectRef[] {
  const out: ObjectRef[] = [];
  parseAllDocuments(manifest).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`CNI manifest document ${i + 1} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    const value = doc.toJS() as (ObjectRef & { items?: ObjectRef[] }) | null;
    if (value === null || value === undefined) return;
    const items = value.kind?.endsWith('List') && Array.isArray(value.items) ? value.items : [value];
    for (const obj of items) {
      if (!obj?.apiVersion || !obj.kind || !obj.metadata?.name) {
        throw new Error(`CNI manifest document ${i + 1} lacks apiVersion, kind or metadata.name; expected Kubernetes objects as kubectl apply takes them`);
      }
      out.push(obj);
    }
  });
  return out;
}

async function applyCNI(data: BootData): Promise<void> {
  const manifest = data.config.cluster.addons.cniManifest ?? '';
  const objects = manifestObjects(manifest);
  const api = await data.admin();
  const { clock } = data.host;
  // The client already waited out transient answers; 4xx other than 404 (group/version not served yet) will
  // not fix itself by waiting longer.
  const isPermanent = (err: unknown) => err instanceof ApiError && err.status !== undefined && err.status < 500 && err.status !== 404;
  for (const obj of objects) {
    const what = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name} from the CNI manifest to be accepted`;
    await pollUntil(what, { clock, timeoutMs: data.timeouts.apiObjectMs, intervalMs: data.timeouts.pollMs, isPermanent, progress: (m) => data.log.phase(TAG, m) }, async () => {
      await api.createOrUpdate(obj);
      return true;
    });
  }
  data.log.phase(TAG, `Applied the CNI manifest (${objects.length} objects)`);
}

export function addonPhase(): Phase<BootData> {
  return {
    name: 'addon',
    short: 'Install required addons for passing conformance tests',
    dependsOn: ['wait-control-plane'],
    phases: [
      {
        name: 'coredns',
        short: 'Install the CoreDNS addon to a Kubernetes cluster',
        runIf: (d) => d.config.cluster.addons.coreDNS.enabled,
        async run(data) {
          const api = await data.admin();
          // kube-dns has a fixed clusterIP: when it exists, creating it again is 422, not 409 (see createOrUpdate).
          for (const obj of coreDNSAddon(data.cluster)) await api.createOrUpdate(obj, { invalidMeansExists: obj.kind === 'Service' });
          data.log.phase(TAG, 'Applied essential addon: CoreDNS');
        },
      },
      {
        name: 'kube-proxy',
        short: 'Install the kube-proxy addon to a Kubernetes cluster',
        runIf: (d) => d.config.cluster.addons.kubeProxy.enabled,
        async run(data) {
          const api = await data.admin();
          const mode = kubeProxyMode(data.config.cluster.addons.kubeProxy.mode);
          for (const obj of kubeProxyAddon(data.cluster, mode, data.config.node.address)) await api.createOrUpdate(obj);
          data.log.phase(TAG, 'Applied essential addon: kube-proxy');
        },
      },
      {
        name: 'cni',
        short: 'Apply the CNI manifest from nodes.yaml (beyond kubeadm)',
        runIf: (d) => (d.config.cluster.addons.cniManifest ?? '').trim() !== '',
        run: applyCNI,
      },
    ],
  };
}
