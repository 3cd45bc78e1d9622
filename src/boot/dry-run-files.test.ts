import { describe, expect, it } from 'vitest';
import { describeFileWrite, fileContentForPrint } from './dry-run-files.js';

describe('fileContentForPrint', () => {
  it.each([
    ['a PEM private key keeps its armour only', '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\nAAAA\n-----END EC PRIVATE KEY-----\n', '-----BEGIN EC PRIVATE KEY-----\n<redacted>\n-----END EC PRIVATE KEY-----\n'],
    ['a certificate is shown whole', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
    [
      'a kubeconfig loses client-key-data and token, keeps the rest',
      'users:\n- name: a\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZ\n- name: b\n  user:\n    token: abcdef.0123456789abcdef\n',
      'users:\n- name: a\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: <redacted>\n- name: b\n  user:\n    token: <redacted>\n',
    ],
    ['the encryption config loses its key', 'providers:\n- aescbc:\n    keys:\n    - name: key1\n      secret: c2VjcmV0IGtleQ==\n', 'providers:\n- aescbc:\n    keys:\n    - name: key1\n      secret: <redacted>\n'],
  ])('%s', (_name, text, want) => {
    expect(fileContentForPrint(Buffer.from(text))).toBe(want);
  });

  it('shows binary data as its size', () => {
    expect(fileContentForPrint(Buffer.from([0xff, 0xfe, 0x00, 0x01]))).toBe('<4 bytes of binary data>');
  });

  it("prints kubeadm's header, then the content", () => {
    expect(describeFileWrite('/var/lib/kubelet/kubeadm-flags.env', Buffer.from('KUBELET_KUBEADM_ARGS="--node-ip=10.0.0.11"\n'))).toEqual([
      '[dryrun] Would write file "/var/lib/kubelet/kubeadm-flags.env" with content:',
      'KUBELET_KUBEADM_ARGS="--node-ip=10.0.0.11"',
    ]);
  });
});
