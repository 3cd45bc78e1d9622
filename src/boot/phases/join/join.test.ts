import { describe, expect, it } from 'vitest';
import { ANNOTATION_ETCD_ADVERTISE_CLIENT_URLS } from '../../../kube/index.js';
import { etcdEndpointsFromPods, initialCluster, staleSelf } from '../../node/etcd-join.js';
import { bootstrapKubeletConf, isNodeReady, joinKubeletConfiguration, nodeExistsMessage } from '../../node/kubelet-join.js';
import { Runner } from '../../runner.js';
import { configFor } from '../../test-fixtures.js';
import { createBootData } from '../../data.js';
import { createHost } from '../../host.js';
import { createLogger } from '../../log.js';
import { phasesFor } from '../index.js';
import { joinChecks } from '../../node/preflight.js';

describe('join workflow', () => {
  it('runs kubeadm join\'s phases in kubeadm\'s order, with discovery as a phase of its own', () => {
    expect(new Runner(phasesFor('worker')).tree()).toMatchInlineSnapshot(`
      "preflight                      Run join pre-flight checks
      discovery                      Find the cluster and validate it against the bootstrap token and the CA pin
      control-plane-prepare          Prepare the machine for serving a control plane
        /download-certs              Download certificates shared among control-plane nodes from the kubeadm-certs Secret
        /certs                       Generate the certificates for the new control plane components from the cluster's CAs
          /apiserver                 Generate the certificate for serving the Kubernetes API
          /apiserver-kubelet-client  Generate the certificate for the API server to connect to kubelet
          /front-proxy-client        Generate the certificate for the front proxy client
          /etcd-server               Generate the certificate for serving etcd
          /etcd-peer                 Generate the certificate for etcd nodes to communicate with each other
          /etcd-healthcheck-client   Generate the certificate for liveness probes to healthcheck etcd
          /apiserver-etcd-client     Generate the certificate the apiserver uses to access etcd
        /kubeconfig                  Generate the kubeconfig for the new control plane components
          /admin                     Generate a kubeconfig file for the admin to use and for kubeadm itself
          /controller-manager        Generate a kubeconfig file for the controller manager to use
          /scheduler                 Generate a kubeconfig file for the scheduler to use
        /control-plane               Generate all static Pod manifest files necessary to establish the control plane
          /apiserver                 Generates the kube-apiserver static Pod manifest
          /controller-manager        Generates the kube-controller-manager static Pod manifest
          /scheduler                 Generates the kube-scheduler static Pod manifest
      kubelet-start                  Write kubelet settings, certificates and (re)start the kubelet
      control-plane-join             Join a machine as a control plane instance
        /etcd                        Add a new local etcd member
        /mark-control-plane          Mark a node as a control-plane
      kubelet-wait-bootstrap         Wait for the kubelet to bootstrap itself (control-plane nodes, ControlPlaneKubeletLocalMode)
      wait-control-plane             Wait for the control plane to start
      upload-certs                   Upload certificates to kubeadm-certs
      "
    `);
    expect(new Runner(phasesFor('control-plane-join')).names()).toEqual(new Runner(phasesFor('worker')).names());
  });
});

describe('join preflight', () => {
  const checks = (role: 'worker' | 'control-plane-join') => {
    const host = createHost({ root: '/nonexistent' });
    const log = createLogger({ stdout: () => undefined, clock: host.clock });
    const data = createBootData({ config: configFor(role), host, log, transport: () => async () => ({ status: 500, body: '' }) });
    return joinChecks(data).map((c) => c.name);
  };

  it('runs kubeadm JoinNodeChecks, and on control-plane joiners InitNodeChecks\' control-plane part, in kubeadm\'s order', () => {
    const common = ['CRI', 'Swap', 'FileExisting-kubelet', 'SystemVerification', 'Hostname', 'KubeletVersion', 'Port-10250'];
    const kubeletFiles = ['FileAvailable--etc-kubernetes-kubelet.conf', 'FileAvailable--etc-kubernetes-bootstrap-kubelet.conf'];
    expect(checks('worker')).toEqual(['IsPrivilegedUser', ...kubeletFiles, ...common, 'FileAvailable--etc-kubernetes-pki-ca.crt', 'FileContent--proc-sys-net-ipv4-ip_forward']);
    expect(checks('control-plane-join')).toEqual([
      'IsPrivilegedUser',
      ...kubeletFiles,
      ...common,
      'FileContent--proc-sys-net-ipv4-ip_forward',
      'Port-6443',
      'Port-10259',
      'Port-10257',
      'FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml',
      'FileAvailable--etc-kubernetes-manifests-kube-controller-manager.yaml',
      'FileAvailable--etc-kubernetes-manifests-kube-scheduler.yaml',
      'FileAvailable--etc-kubernetes-manifests-etcd.yaml',
      'Port-2379',
      'Port-2380',
      'DirAvailable--var-lib-etcd',
    ]);
  });
});

describe('etcd join', () => {
  const m = (id: string, name: string, ip: string, isLearner = false) => ({ id, name, peerURLs: [`https://${ip}:2380`], clientURLs: name ? [`https://${ip}:2379`] : [], isLearner });

  it('lists this node under its name, others under theirs, and unstarted members under their hex id (etcd.go AddMember)', () => {
    const members = [m('1', 'cp1', '10.0.0.11'), m('255', '', '10.0.0.12', true), m('16', '', '10.0.0.13', true)];
    expect(initialCluster(members, { name: 'cp3', peerURL: 'https://10.0.0.13:2380' })).toEqual([
      { name: 'cp1', peerURL: 'https://10.0.0.11:2380' },
      { name: 'ff', peerURL: 'https://10.0.0.12:2380' },
      { name: 'cp3', peerURL: 'https://10.0.0.13:2380' },
    ]);
  });

  it.each([
    { what: 'a started member with our peer URL and an empty data directory is the replaced machine\'s', members: [m('1', 'cp1', '10.0.0.11'), m('2', 'cp2', '10.0.0.12')], empty: true, stale: '2' },
    { what: 'with data on disk it is our own member (a re-run)', members: [m('1', 'cp1', '10.0.0.11'), m('2', 'cp2', '10.0.0.12')], empty: false, stale: undefined },
    { what: 'an unstarted learner with our peer URL is our own earlier attempt', members: [m('1', 'cp1', '10.0.0.11'), m('2', '', '10.0.0.12', true)], empty: true, stale: undefined },
    { what: 'no member with our peer URL', members: [m('1', 'cp1', '10.0.0.11')], empty: true, stale: undefined },
  ])('staleSelf: $what', ({ members, empty, stale }) => {
    expect(staleSelf(members, 'https://10.0.0.12:2380', empty)?.id).toBe(stale);
  });

  it('reads client URLs from the etcd pods\' annotation, once each', () => {
    const pod = (url?: string): { metadata: { annotations: Record<string, string> } } => ({ metadata: { annotations: url ? { [ANNOTATION_ETCD_ADVERTISE_CLIENT_URLS]: url } : {} } });
    expect(etcdEndpointsFromPods([pod('https://a:2379'), pod(), pod('https://b:2379'), pod('https://a:2379')], ANNOTATION_ETCD_ADVERTISE_CLIENT_URLS)).toEqual([
      'https://a:2379',
      'https://b:2379',
    ]);
  });
});

describe('kubelet join files', () => {
  it('keeps the downloaded KubeletConfiguration and applies the node-local settings', () => {
    const cm = { apiVersion: 'v1' as const, kind: 'ConfigMap' as const, metadata: { name: 'kubelet-config' }, data: { kubelet: 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n' } };
    const config = joinKubeletConfiguration(cm, { kubelet: { criSocket: 'unix:///run/containerd/containerd.sock', extraArgs: {}, cgroupDriver: 'cgroupfs', resolvConf: '/etc/resolv.conf' } });
    expect(config).toEqual({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', cgroupDriver: 'cgroupfs', resolvConf: '/etc/resolv.conf' });
    expect(() => joinKubeletConfiguration(undefined, { kubelet: { criSocket: 'x', extraArgs: {} } })).toThrow(/kube-system\/kubelet-config .* was not found/);
  });

  it('writes bootstrap-kubelet.conf with the token as kubeadm\'s tls-bootstrap-token-user', () => {
    const text = bootstrapKubeletConf({ clusterName: 'kubernetes', server: 'https://10.0.0.2:6443', caCertPem: 'CA', token: 'abcdef.0123456789abcdef' });
    expect(text).toContain('name: tls-bootstrap-token-user');
    expect(text).toContain('token: abcdef.0123456789abcdef');
    expect(text).toContain('server: https://10.0.0.2:6443');
  });

  it('treats only Ready=True as a Node that already exists', () => {
    expect(isNodeReady(undefined)).toBe(false);
    expect(isNodeReady({ status: { conditions: [{ type: 'Ready', status: 'False' }] } })).toBe(false);
    expect(isNodeReady({ status: { conditions: [{ type: 'Ready', status: 'True' }] } })).toBe(true);
    expect(nodeExistsMessage('w1')).toContain('a Node with name "w1" and status "Ready" already exists in the cluster');
  });
});
