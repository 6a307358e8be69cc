// Faults an edge device shows in its retained status (deviceStatus.fault in
// words, for staff; deviceStatus.stateFault for a damaged state file, for
// programs). Older hubs know only `fault`, so every fault is in its words too.

import type { DeviceStatus } from '../protocol/messages.js';
import type { StateFileDamage } from '../storage/json-state-file.js';
import { stateFileFaultText } from '../text/vi/state-file.js';
import { fillText } from '../text/vi.js';

const MAX_FAULT_CHARS = 200;

/** The status field for a damaged state file. */
export function stateFaultOf(damage: StateFileDamage): NonNullable<DeviceStatus['stateFault']> {
  return {
    file: damage.file,
    problem: damage.problem,
    recovered: damage.recovered,
    lost: damage.lost,
    keptAs: damage.keptAs,
    at: damage.at,
  };
}

/** The damage in words, for staff. */
export function stateFaultText(damage: StateFileDamage): string {
  const params = {
    file: damage.file,
    recovered: damage.recovered,
    lost: damage.lost,
    keptAs: damage.keptAs ?? '—',
  };
  if (damage.problem === 'empty') return fillText(stateFileFaultText.empty, params);
  if (damage.problem === 'foreign') return fillText(stateFileFaultText.foreign, params);
  if (damage.problem === 'unreadable') return fillText(stateFileFaultText.unreadable, params);
  return fillText(stateFileFaultText.damaged, params);
}

/** Several faults in one `fault` field (null: none), within its 200 characters. */
export function joinFaults(faults: readonly (string | null | undefined | false)[]): string | null {
  const text = faults.filter((f): f is string => typeof f === 'string' && f !== '').join('; ');
  if (text === '') return null;
  return text.length > MAX_FAULT_CHARS ? `${text.slice(0, MAX_FAULT_CHARS - 1)}…` : text;
}
