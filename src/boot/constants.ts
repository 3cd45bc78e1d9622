// kgen-boot's own fixed paths and exit codes, in a module with no imports so the CLI edge can name them
// without loading the modules that use them.

/** node.yaml as cloud-init writes it from the node's user-data. */
export const DEFAULT_NODE_CONFIG = '/etc/kgen/node.yaml';
/** The status record `run` resumes from and `status` reports. */
export const STATUS_FILE = '/var/lib/kgen/status.json';
/** kgen-boot's log, next to cloud-init's. */
export const LOG_FILE = '/var/log/kgen-boot.log';
/** A phase failed (run, phase) or the recorded run failed (status). */
export const EXIT_PHASE_FAILED = 3;
