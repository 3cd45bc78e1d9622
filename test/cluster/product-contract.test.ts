// kgen's own node files, as src/kube builds them for every supported version, run through the test
// kubelet's parsers: kubeadm-flags.env through systemd's expansion and the kubelet's flag table, the
// KubeletConfiguration through its loader, each static pod through the pod translator (known program,
// hostPath volumes, every path flag under a mount, etcd flags translatable for 3.4), the scheduler's
// flags through the test scheduler's table. A failure here means the test cluster would refuse what
// kgen writes: either kgen is wrong or the test kubelet is.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { controlPlanePods, etcdPod, kubeadmFlagsEnv, nodeKubeletConfiguration } from '../../src/kube/index.js';
import { CP1, DEBIAN_CA_PATHS, testCluster, testWorker } from '../../src/kube/test-fixtures.js';
import { SUPPORTED_VERSIONS } from '../../src/versions.js';
import { toYaml } from '../../src/yaml.js';
import { loadKubeletConfig } from './kubelet-config.js';
import { parseKubeletFlags } from './kubelet-flags.js';
import { defaultPrograms, podProcess } from './pod-command.js';
import { parseSchedulerFlags } from './scheduler-flags.js';
import { KUBEADM_DROPIN, resolveExecStart } from './systemd-unit.js';

const root = mkdtempSync(join(tmpdir(), 'kgen-contract-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const programs = defaultPrograms('/build/test');
const versions = SUPPORTED_VERSIONS.map((v) => `v1.${v.minor}.3`);

describe.each(versions)('kgen %s node files in the test kubelet', (kubernetesVersion) => {
  const cluster = testCluster({ kubernetesVersion });

  it('kubeadm-flags.env expands to flags the kubelet knows', async () => {
    const worker = testWorker({ labels: { 'kgen.dev/pool': 'a' }, taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] });
    const env = kubeadmFlagsEnv(cluster, worker, { hostname: 'other' });
    const { args } = await resolveExecStart(KUBEADM_DROPIN, async (p) => (p === '/var/lib/kubelet/kubeadm-flags.env' ? env : undefined));
    const flags = parseKubeletFlags(['--root', root, ...args]);
    expect(flags).toMatchObject({ nodeIP: worker.address, nodeLabels: { 'kgen.dev/pool': 'a' }, registerWithTaints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] });
  });

  it('the KubeletConfiguration loads, with the static pod path kubeadm uses', () => {
    mkdirSync(join(root, 'var/lib/kubelet'), { recursive: true });
    writeFileSync(join(root, 'var/lib/kubelet/config.yaml'), toYaml(nodeKubeletConfiguration(cluster, testWorker())));
    expect(loadKubeletConfig(root, '/var/lib/kubelet/config.yaml').staticPodPath).toBe('/etc/kubernetes/manifests');
  });

  it('every static pod translates: known program, hostPath volumes, paths under mounts', () => {
    const pods = { ...controlPlanePods(cluster, CP1, { hostCAPaths: DEBIAN_CA_PATHS }), etcd: etcdPod(cluster, CP1) };
    for (const [name, pod] of Object.entries(pods)) {
      const p = podProcess(root, JSON.parse(JSON.stringify(pod)), programs);
      expect(p.name, name).toBe(name);
      expect(p.args.filter((a) => /=\/(?!build\/)/.test(a) && !a.includes(`=${root}`)), name).toEqual([]);
    }
    const scheduler = podProcess(root, JSON.parse(JSON.stringify(pods['kube-scheduler'])), programs);
    expect(() => parseSchedulerFlags(scheduler.args.slice(1))).not.toThrow();
  });
});
