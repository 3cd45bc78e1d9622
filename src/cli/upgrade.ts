// `kgen upgrade plan|apply`: upgrades by rolling reimage within the version skew policy (docs/upgrades.md).
import { commandGroup } from '../command/command.js';
import { applyCommand } from './upgrade-apply.js';
import { planCommand } from './upgrade-plan.js';

export const upgradeCommand = commandGroup('upgrade', 'plan and apply an upgrade by rolling reimage within the version skew policy', [planCommand, applyCommand]);
