import { describe, expect, it } from 'vitest';
import type { Taint } from '../inventory/types.js';
import { CONTROL_PLANE_TAINT, markControlPlanePatch } from './markcontrolplane.js';

describe('markControlPlanePatch', () => {
  const uninitialized: Taint = { key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule' };

  it('labels the node as control plane and excluded from external load balancers', () => {
    expect(markControlPlanePatch([], [CONTROL_PLANE_TAINT]).metadata.labels).toEqual({
      'node-role.kubernetes.io/control-plane': '',
      'node.kubernetes.io/exclude-from-external-load-balancers': '',
    });
  });

  it.each([
    { name: 'fresh node', current: [], taints: [CONTROL_PLANE_TAINT], want: [CONTROL_PLANE_TAINT] },
    { name: 'keeps existing taints after ours', current: [uninitialized], taints: [CONTROL_PLANE_TAINT], want: [CONTROL_PLANE_TAINT, uninitialized] },
    { name: 'idempotent', current: [CONTROL_PLANE_TAINT], taints: [CONTROL_PLANE_TAINT], want: [CONTROL_PLANE_TAINT] },
    { name: 'no taints requested', current: [uninitialized], taints: [], want: [uninitialized] },
  ])('taints: $name', ({ current, taints, want }) => {
    expect(markControlPlanePatch(current, taints).spec.taints).toEqual(want);
  });
});
