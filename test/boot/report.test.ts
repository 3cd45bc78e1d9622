// The serial-console report parser (fast; runs with `npm run test:boot` before the VM tests).
import { describe, expect, it } from 'vitest';
import { LOG_BEGIN, LOG_END, RESULT_BEGIN, RESULT_END, STATUS_BEGIN, STATUS_END, between } from './hooks.js';
import { parseReport } from './report.js';

const serial = [
  '[   1.0] kernel noise',
  'KGEN-TEST: node.yaml present\r',
  'KGEN-TEST: node binary none\r',
  `KGEN-TEST: kgen-boot sha256 ${'ab'.repeat(32)}\r`,
  `${RESULT_BEGIN}\r`,
  '{"v1": {"datasource": "DataSourceNoCloud [seed=/dev/vdb][dsmode=net]", "errors": []}}\r',
  `${RESULT_END}\r`,
  `${STATUS_BEGIN}\r`,
  '{"generation": 1, "role": "init", "state": "failed", "phases": [{"phase": "preflight", "outcome": "failed", "error": "kubelet not found"}]}\r',
  `${STATUS_END}\r`,
  `${LOG_BEGIN}\r`,
  '[preflight] Running pre-flight checks\r',
  `${LOG_END}\r`,
  '',
].join('\n');

describe('parseReport', () => {
  it('reads node.yaml presence, cloud-init result, status record and boot log from CRLF console text', () => {
    const r = parseReport(serial);
    expect(r.nodeYamlPresent).toBe(true);
    expect(r.cloudInit?.v1?.datasource).toMatch(/^DataSourceNoCloud/);
    expect(r.status?.state).toBe('failed');
    expect(r.status?.phases?.[0]).toEqual({ phase: 'preflight', outcome: 'failed', error: 'kubelet not found' });
    expect(r.bootLog).toBe('[preflight] Running pre-flight checks\n');
    expect(r.nodeBinary).toBeNull();
    expect(r.bootSha256).toBe('ab'.repeat(32));
  });

  it('reads the node binary a default image has', () => {
    expect(parseReport('KGEN-TEST: node binary /usr/local/bin/node\r\n').nodeBinary).toBe('/usr/local/bin/node');
  });

  it.each([
    ['no report at all', '[ 1.0] booting\n'],
    ['a report cut off before its end marker', `${STATUS_BEGIN}\n{"state":\n`],
  ])('leaves fields empty for %s', (_name, text) => {
    const r = parseReport(text);
    expect(r.status).toBeUndefined();
    expect(r.nodeYamlPresent).toBe(false);
    expect(r.nodeBinary).toBeNull();
  });

  it('returns undefined from between() when a marker is missing', () => {
    expect(between('a\nb\n', 'X', 'Y')).toBeUndefined();
  });
});
