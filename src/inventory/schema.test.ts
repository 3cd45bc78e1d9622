import { describe, expect, it } from 'vitest';
import type { Path } from './path.js';
import { bool, check, either, int, list, map, obj, oneOf, opt, req, str, variant, type Schema } from './schema.js';
import { formatPath } from './path.js';

function run(schema: Schema, value: unknown) {
  const problems: string[] = [];
  const out = check(schema, value, [], { error: (path: Path, part, message) => problems.push(`${formatPath(path)} (${part}): ${message}`) });
  return { out, problems };
}

const netLike = variant(
  { name: 'shorthand', keys: ['interface', 'gateway'], schema: obj({ interface: req(str()), gateway: opt(str()) }) },
  { name: 'full form', keys: ['ethernets'], schema: obj({ ethernets: req(map(obj({ mtu: opt(int(68, 65535)) }))) }) },
);
const etcdLike = obj({ local: opt(obj({ dir: opt(str(), '/var/lib/etcd') }), {}), external: opt(obj({ url: req(str()) })) }, { exclusive: ['local', 'external'] });

describe('schema walk', () => {
  it.each<[string, Schema, unknown, unknown, string[]]>([
    ['defaults fill absent fields, through nested objects', etcdLike, {}, { local: { dir: '/var/lib/etcd' } }, []],
    ['a present member of an exclusive group suppresses the other\'s default', etcdLike, { external: { url: 'x' } }, { external: { url: 'x' } }, []],
    ['both members of an exclusive group: the second is reported and dropped', etcdLike, { local: {}, external: { url: 'x' } }, { local: { dir: '/var/lib/etcd' } },
      ['external (key): "external" cannot be used together with "local"; choose one']],
    ['null counts as absent', obj({ a: opt(bool, true) }), { a: null }, { a: true }, []],
    ['null for a required field is reported as missing', obj({ a: req(bool) }), { a: null }, {}, ['a (key): missing required field "a"']],
    ['an empty list item is reported at its index', list(str()), ['a', null], ['a', undefined], ['[1] (value): empty list item; expected a string']],
    ['an invalid item leaves a hole at its index', list(oneOf('x', 'y')), ['x', 'z', 'y'], ['x', undefined, 'y'], ['[1] (value): "z" is not one of x, y']],
    ['an invalid field gets no default in its place', obj({ a: opt(bool, true) }), { a: 'no' }, { a: undefined }, ['a (value): expected true or false, found "no"']],
    ['open objects keep unknown keys as written', obj({ a: opt(str()) }, { open: true }), { a: 'x', maxPods: 110 }, { a: 'x', maxPods: 110 }, []],
    ['closed objects report unknown keys with a suggestion', obj({ address: opt(str()) }), { adress: 'x' }, {}, ['adress (key): unknown field "adress"; did you mean "address"?']],
    ['keys named like Object.prototype members are unknown fields too', obj({ address: opt(str()) }), { constructor: 'x' }, {}, ['constructor (key): unknown field "constructor"']],
    ['no suggestion when nothing is close', obj({ address: opt(str()) }), { zzz: 1 }, {}, ['zzz (key): unknown field "zzz"']],
    ['a map\'s null value is the empty string', map(str()), { 'node.kubernetes.io/pool': null }, { 'node.kubernetes.io/pool': '' }, []],
    ['either picks by YAML kind', list(either(str(), obj({ k: req(str()) }))), ['a', { k: 'b' }, 3], ['a', { k: 'b' }, undefined],
      ['[2] (value): expected a string or a mapping, found a number (3)']],
    ['integers within their range pass', obj({ mtu: opt(int(68, 65535)) }), { mtu: 9000 }, { mtu: 9000 }, []],
    ['an integer out of range is reported with the range', obj({ mtu: opt(int(68, 65535)) }), { mtu: 70000 }, { mtu: undefined },
      ['mtu (value): 70000 is out of range; expected a whole number from 68 to 65535']],
    ['a fraction or a string is not an integer', list(int(0, 10)), [1.5, '3'], [undefined, undefined],
      ['[0] (value): expected a whole number from 0 to 10, found a number (1.5)', '[1] (value): expected a whole number from 0 to 10, found "3"']],
    ['a variant takes the shape whose keys are written', netLike, { ethernets: { eth0: { mtu: 1500 } } }, { ethernets: { eth0: { mtu: 1500 } } }, []],
    ['a variant checks the chosen shape\'s required fields', netLike, { gateway: '10.0.0.1' }, { gateway: '10.0.0.1' }, ['interface (key): missing required field "interface"']],
    ['keys of two shapes: the second shape\'s keys are reported and dropped', netLike, { interface: 'eth0', ethernets: {} }, { interface: 'eth0' },
      ['ethernets (key): "ethernets" belongs to the full form, which cannot be mixed with the shorthand ("interface"); choose one']],
    ['a variant with no shape\'s key says what it expects', netLike, {}, undefined,
      ['(document) (value): expected the shorthand (interface, gateway) or the full form (ethernets)']],
    ['renamed fields land under their model name', obj({ ttl: { ...opt(str()), as: 'ttlSeconds' } }), { ttl: '1h' }, { ttlSeconds: '1h' }, []],
  ])('%s', (_name, schema, input, out, problems) => {
    const got = run(schema, input);
    expect(got.problems).toEqual(problems);
    expect(got.out).toEqual(out);
  });
});
