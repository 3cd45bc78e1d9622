import { expect, it } from 'vitest';
import { tabwriterTable } from './table.js';

it('pads every cell but the last to the column width plus 3, at least 10 (kubeadm\'s tabwriter settings)', () => {
  expect(tabwriterTable(['TOKEN', 'TTL', 'EXTRA GROUPS'], [['abcdef.0123456789abcdef', '23h', 'system:bootstrappers:x']])).toBe(
    'TOKEN                     TTL       EXTRA GROUPS\n' + 'abcdef.0123456789abcdef   23h       system:bootstrappers:x\n',
  );
});
