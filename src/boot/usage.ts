// kgen-boot's usage text, shared by cli.ts and commands.ts. The shipped program compiles commands.ts apart
// from cli.ts (scripts/boot-program.mjs), so each reports its own UsageErrors with this text.
import { EXIT_INVALID, type CliIO, type UsageError } from '../command/command.js';
import { DEFAULT_NODE_CONFIG, EXIT_PHASE_FAILED, STATUS_FILE } from './constants.js';

export const USAGE = `kgen-boot: bring this machine into its Kubernetes cluster on first boot.

Usage:
  kgen-boot run [--config ${DEFAULT_NODE_CONFIG}] [--root /] [--dry-run] [--skip-phases P1,P2]
  kgen-boot phase NAME [--config ${DEFAULT_NODE_CONFIG}] [--root /] [--dry-run]
  kgen-boot phase upload-certs [--certificate-key KEY] [--config ${DEFAULT_NODE_CONFIG}] [--root /]
  kgen-boot phases [--role init|control-plane-join|worker] [--config ${DEFAULT_NODE_CONFIG}] [--root /]
  kgen-boot status [--json] [--root /]
  kgen-boot check-config [--config ${DEFAULT_NODE_CONFIG}] [--root /]
  kgen-boot reset [--force] [--dry-run] [--skip-phases P1,P2] [--config ${DEFAULT_NODE_CONFIG}] [--root /]
  kgen-boot certs check-expiration [--json] [--root /]
  kgen-boot certs renew all|NAME [--new-key] [--if-expiring-within 720h] [--restart-static-pods] [--config ${DEFAULT_NODE_CONFIG}] [--root /]
  kgen-boot --version
  kgen-boot --help

Commands:
  run            run every phase for this node's role; phases completed by an earlier run are skipped
  phase NAME     run one phase and its children (NAME or PARENT/CHILD, e.g. certs/apiserver)
  phases         print the phase tree for this node's role (or for --role)
  status         print the phases recorded in ${STATUS_FILE}
  check-config   read and validate node.yaml and print a summary (no secrets)
  reset          kubeadm reset's phases: preflight, remove-etcd-member (this node's own, never the last voting
                 member), cleanup-node (kubelet stopped; manifests, PKI, kubeconfigs, /var/lib/kubelet,
                 /var/lib/etcd and ${STATUS_FILE} removed): the next \`run\` is a first boot
  certs check-expiration
                 expiry of this node's certificates, kubeconfigs and CAs (kubeadm's tables)
  certs renew    renew certificates with the CAs in /etc/kubernetes/pki, as kubeadm certs renew; NAME is one of
                 apiserver, apiserver-kubelet-client, front-proxy-client, apiserver-etcd-client, etcd-server,
                 etcd-peer, etcd-healthcheck-client, admin.conf, super-admin.conf, controller-manager.conf,
                 scheduler.conf; restart the static pods afterwards

Flags:
  --config PATH  node config, an absolute path on the node (resolved under --root) (default ${DEFAULT_NODE_CONFIG})
  --root DIR     directory every node path is resolved under (default /)
  --dry-run      print what would be written, run and sent instead of doing it
  --skip-phases  run only: phases to leave out, with their children, comma-separated (as kubeadm)
  --certificate-key KEY
                 phase upload-certs: seal kubeadm-certs with KEY (64 hex) instead of node.yaml's certificateKey;
                 upload-certs runs on any control-plane node (on a joined one only when named)
  --force        reset: confirm (kgen-boot has no terminal to ask on)
  --json         status, certs check-expiration as JSON
  --new-key      certs renew: issue a new private key (default: keep the existing key)
  --if-expiring-within DURATION
                 certs renew all: renew only when a certificate expires within DURATION (Go syntax, e.g. 720h)
  --restart-static-pods
                 certs renew: then restart the static pods using the renewed certificates, one at a time

Exit codes: 0 done, 1 invalid input (flags, node.yaml), 2 internal error, ${EXIT_PHASE_FAILED} a phase failed or a
restarted static pod did not come back, 130/143 interrupted during that restart.

Example:
  kgen-boot phase certs/apiserver --dry-run
`;

/** Prints a usage error and the usage text; returns the exit code for it. */
export function reportUsageError(io: CliIO, err: UsageError): number {
  io.stderr(`kgen-boot: ${err.message}\n\n${USAGE}`);
  return EXIT_INVALID;
}
