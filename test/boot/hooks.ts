// Test-only additions to the node image the boot tests build (never in a product image): a systemd unit
// that waits until kgen-boot's status record settles, prints what the test asserts on to the serial
// console between markers, and powers the VM off. The product's user-data stays exactly as rendered.
// Nothing printed here may hold a secret: node.yaml is reported as present/missing only.
import type { ImageFile } from '../../images/debian/files.js';

export const REPORT_BEGIN = 'KGEN-TEST-REPORT-BEGIN';
export const REPORT_END = 'KGEN-TEST-REPORT-END';
export const STATUS_BEGIN = 'KGEN-TEST-STATUS-BEGIN';
export const STATUS_END = 'KGEN-TEST-STATUS-END';
export const RESULT_BEGIN = 'KGEN-TEST-CLOUDINIT-BEGIN';
export const RESULT_END = 'KGEN-TEST-CLOUDINIT-END';
export const LOG_BEGIN = 'KGEN-TEST-BOOTLOG-BEGIN';
export const LOG_END = 'KGEN-TEST-BOOTLOG-END';

// The report is written to a file and copied to /dev/ttyS0 with a fresh open at the end: serial-getty's
// vhangup() on ttyS0 invalidates descriptors opened before it, so a long-lived `exec >/dev/ttyS0`
// silently loses everything written after the login prompt appears.
const REPORT_SCRIPT = `#!/bin/sh
# kgen boot test hook: report first-boot results on the serial console, then power off.
echo "KGEN-TEST: reporter waiting for kgen-boot" >/dev/ttyS0
i=0
while [ "$i" -lt "\${KGEN_TEST_WAIT:-600}" ]; do
  if [ -f /var/lib/kgen/status.json ] && grep -Eq '"state": "(failed|succeeded)"' /var/lib/kgen/status.json; then break; fi
  sleep 2
  i=$((i + 2))
done
cloud-init status --wait >/dev/null 2>&1 || true
{
  echo "${REPORT_BEGIN}"
  if [ -f /etc/kgen/node.yaml ]; then echo "KGEN-TEST: node.yaml present"; else echo "KGEN-TEST: node.yaml missing"; fi
  echo "KGEN-TEST: kgen-boot.service $(systemctl is-active kgen-boot.service) / $(systemctl show -p NRestarts --value kgen-boot.service) restarts"
  echo "KGEN-TEST: cloud-init $(cloud-init status --long 2>&1 | tr '\\n' ' ')"
  echo "KGEN-TEST: node binary $(command -v node || echo none)"
  echo "KGEN-TEST: kgen-boot sha256 $(sha256sum /usr/local/bin/kgen-boot 2>/dev/null | cut -d' ' -f1 | grep . || echo none)"
  echo "KGEN-TEST: addresses $(ip -o -4 addr show scope global 2>&1 | awk '{print $2 "=" $4}' | tr '\\n' ' ')"
  echo "${RESULT_BEGIN}"
  cat /run/cloud-init/result.json 2>&1
  echo "${RESULT_END}"
  echo "${STATUS_BEGIN}"
  cat /var/lib/kgen/status.json 2>&1
  echo "${STATUS_END}"
  echo "${LOG_BEGIN}"
  tail -n 60 /var/log/kgen-boot.log 2>&1
  echo "${LOG_END}"
  echo "${REPORT_END}"
} >/run/kgen-test-report.txt 2>&1
cat /run/kgen-test-report.txt >/dev/ttyS0
sync
systemctl poweroff --no-block
`;

// No After=cloud-final.service: cloud-final is itself ordered after multi-user.target, so that would be
// an ordering cycle (systemd drops the job). The script waits for kgen-boot and cloud-init instead.
const REPORT_UNIT = `[Unit]
Description=kgen boot test: report first-boot results on the serial console and power off

[Service]
Type=simple
ExecStart=/usr/local/sbin/kgen-test-report

[Install]
WantedBy=multi-user.target
`;

/** Files and units the boot tests add to the image they build. */
export const TEST_HOOKS: { files: ImageFile[]; units: string[] } = {
  files: [
    { path: '/usr/local/sbin/kgen-test-report', mode: 0o755, content: REPORT_SCRIPT },
    { path: '/etc/systemd/system/kgen-test-report.service', mode: 0o644, content: REPORT_UNIT },
  ],
  units: ['kgen-test-report.service'],
};

/** Text between two marker lines of the serial log, or undefined when the block is missing. */
export function between(log: string, begin: string, end: string): string | undefined {
  const start = log.indexOf(begin + '\n') >= 0 ? log.indexOf(begin + '\n') : log.indexOf(begin + '\r\n');
  if (start < 0) return undefined;
  const from = log.indexOf('\n', start) + 1;
  const stop = log.indexOf(end, from);
  if (stop < 0) return undefined;
  return log.slice(from, stop).replace(/\r/g, '');
}
