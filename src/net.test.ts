import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { apiServerServiceIP, contains, dnsServiceIP, formatCIDR, formatIP, indexedIP, joinHostPort, networkOf, nthIP, overlaps, parseCIDR, parseIP } from './net.js';

const cidr = (s: string) => parseCIDR(s)!;
const ip = (s: string) => parseIP(s)!;

describe('parseIP / formatIP', () => {
  it.each([
    ['10.0.0.11', '10.0.0.11'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::', '::'],
    ['::1', '::1'],
    ['FD00:0:0:0::11', 'fd00::11'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
  ])('%s is %s', (input, canonical) => {
    expect(formatIP(ip(input))).toBe(canonical);
  });

  it.each(['10.0.0.300', '10.0.0', '10.0.0.1.2', '010.0.0.1', '1.2.3.-4', '', 'fd00:::1', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', 'g::1', '1::2::3', 'cp.example'])(
    '%j is not an address',
    (input) => {
      expect(parseIP(input)).toBeUndefined();
    },
  );
});

describe('CIDR arithmetic', () => {
  it.each([
    ['10.96.0.0/12', '10.96.0.10', true],
    ['10.96.0.0/12', '10.111.255.255', true],
    ['10.96.0.0/12', '10.112.0.0', false],
    ['10.0.0.11/24', '10.0.0.200', true],
    ['fd00:10:96::/112', 'fd00:10:96::ffff', true],
    ['fd00:10:96::/112', 'fd00:10:97::1', false],
    ['10.0.0.0/8', '::ffff:10.0.0.1', false],
    ['0.0.0.0/0', '203.0.113.9', true],
  ])('%s contains %s: %s', (net, addr, want) => {
    expect(contains(cidr(net), ip(addr))).toBe(want);
  });

  it.each([
    ['10.244.0.0/16', '10.96.0.0/12', false],
    ['10.96.0.0/16', '10.96.0.0/12', true],
    ['10.96.0.0/12', '10.100.0.0/16', true],
    ['10.0.0.0/8', 'fd00::/8', false],
    ['fd00:10:244::/56', 'fd00:10:244:ff::/64', true],
  ])('%s and %s overlap: %s', (a, b, want) => {
    expect(overlaps(cidr(a), cidr(b))).toBe(want);
    expect(overlaps(cidr(b), cidr(a))).toBe(want);
  });

  it.each([
    ['10.96.0.0/12', 10, '10.96.0.10'],
    ['172.16.5.0/24', 10, '172.16.5.10'],
    ['fd00:10:96::/112', 10, 'fd00:10:96::a'],
    ['10.0.0.0/29', 10, undefined],
  ])('index %2$d of %1$s is %3$s (GetIndexedIP)', (net, index, want) => {
    const got = indexedIP(cidr(net), index);
    expect(got && formatIP(got)).toBe(want);
  });

  it('networkOf clears host bits', () => {
    expect(formatCIDR({ ip: networkOf(cidr('10.244.1.7/16')), prefix: 16 })).toBe('10.244.0.0/16');
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/08', 'fd00::/129', '10.0.0.0/-1', 'x/8'])('%j is not a CIDR', (input) => {
    expect(parseCIDR(input)).toBeUndefined();
  });
});

describe('agrees with Python ipaddress (the reference implementation cloud-init itself uses)', () => {
  const addresses = ['10.0.0.11', '192.168.000.1', '::', '::1', '1::', 'FD00:0:0:0::11', '2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1',
    '0:0:0:0:0:0:0:0', 'fe80:0:0:0:0:0:0:1', '1:0:0:2:0:0:0:3', '::ffff:192.0.2.1', '1:2:3:4:5:6:7::', '10.1', '1.2.3.4.5', ':::'];
  // One python3 run for the whole table: a JSON map from input to Python's compressed form or "invalid".
  const script = [
    'import ipaddress, json, sys',
    'def canon(s):',
    '    try: return ipaddress.ip_address(s).compressed',
    '    except ValueError: return "invalid"',
    'print(json.dumps({s: canon(s) for s in sys.argv[1:]}))',
  ].join('\n');
  const python = JSON.parse(execFileSync('python3', ['-c', script, ...addresses], { encoding: 'utf8' })) as Record<string, string>;
  it.each(addresses)('%j', (input) => {
    const ours = parseIP(input);
    expect(ours ? formatIP(ours) : 'invalid').toBe(python[input]);
  });
});

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
