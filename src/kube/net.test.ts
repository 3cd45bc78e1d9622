import { describe, expect, it } from 'vitest';
import { apiServerServiceIP, dnsServiceIP, joinHostPort, nthIP } from './net.js';

describe('nthIP', () => {
  it.each([
    { cidr: '10.96.0.0/12', n: 1, want: '10.96.0.1' },
    { cidr: '10.96.0.0/12', n: 10, want: '10.96.0.10' },
    { cidr: '10.96.5.7/12', n: 10, want: '10.96.0.10' },
    { cidr: '192.168.0.0/24', n: 255, want: '192.168.0.255' },
    { cidr: '10.0.0.0/8', n: 256, want: '10.0.1.0' },
    { cidr: 'fd00:10:96::/112', n: 10, want: 'fd00:10:96::a' },
    { cidr: '10.96.0.0/12,fd00::/108', n: 10, want: '10.96.0.10' },
  ])('$cidr #$n = $want', ({ cidr, n, want }) => {
    expect(nthIP(cidr, n)).toBe(want);
  });

  it.each([
    { cidr: '10.0.0.0/30', n: 4, err: /has 4 addresses/ },
    { cidr: '10.0.0.0', n: 1, err: /not a CIDR/ },
    { cidr: '300.0.0.0/8', n: 1, err: /not a CIDR/ },
  ])('rejects $cidr #$n', ({ cidr, n, err }) => {
    expect(() => nthIP(cidr, n)).toThrow(err);
  });

  it('service and DNS IPs are the 1st and 10th addresses', () => {
    expect(apiServerServiceIP('10.96.0.0/12')).toBe('10.96.0.1');
    expect(dnsServiceIP('10.96.0.0/12')).toBe('10.96.0.10');
  });

  it('brackets IPv6 hosts', () => {
    expect(joinHostPort('fd00::1', 6443)).toBe('[fd00::1]:6443');
    expect(joinHostPort('10.0.0.1', 6443)).toBe('10.0.0.1:6443');
  });
});
