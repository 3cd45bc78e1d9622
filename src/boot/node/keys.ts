// Key pre-generation for one invocation (BootData.warmKeys): every private key the planned certs and
// kubeconfig phases (init's, or join's under control-plane-prepare) will generate starts at once, and the
// children sign as keys arrive. One batch for both phases keeps every core busy to the end; two batches
// would each end with a core idle on its last RSA key. KeyPool.warm tops up, so asking again is free.
import { INIT_KUBECONFIGS, JOIN_CONTROL_PLANE_KUBECONFIGS, type KubeconfigFile } from '../../pki/index.js';
import type { BootData } from '../data.js';
import { leafKeyPath } from './certs.js';
import { kubeconfigPath } from './kubeconfig.js';

const kubeconfigKeys = (files: readonly KubeconfigFile[]) => () => files.map(kubeconfigPath);
const leafKeys = (data: BootData) => data.certSpecs().map(leafKeyPath);

/** The phases that generate keys (by full name) and the files that hold the keys they generate. */
const KEY_PHASES: ReadonlyArray<[string, (data: BootData) => string[]]> = [
  ['certs', leafKeys],
  ['kubeconfig', kubeconfigKeys(INIT_KUBECONFIGS)],
  ['control-plane-prepare/certs', leafKeys],
  ['control-plane-prepare/kubeconfig', kubeconfigKeys(JOIN_CONTROL_PLANE_KUBECONFIGS)],
];

/** How many keys the planned phases will take from the pool: one per key file not on disk yet. */
export async function plannedKeyCount(data: BootData): Promise<number> {
  const files = KEY_PHASES.filter(([phase]) => data.plan.has(phase)).flatMap(([, keys]) => keys(data));
  const exists = await Promise.all(files.map((f) => data.host.exists(f)));
  return exists.filter((e) => !e).length;
}
