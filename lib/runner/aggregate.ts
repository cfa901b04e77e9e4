import { worstStatus, type HealthStatus } from '../status.js';
import type { ComponentReport } from './types.js';

/**
 * The aggregate of component reports: worst wins (DOWN > DEGRADED > UP), except that a
 * non-critical component counts at most as DEGRADED. No components: UP.
 */
export function aggregateStatus(components: Iterable<ComponentReport>): HealthStatus {
  let status: HealthStatus = 'UP';
  for (const component of components) {
    const effective =
      component.status === 'DOWN' && !component.critical ? 'DEGRADED' : component.status;
    status = worstStatus(status, effective);
    if (status === 'DOWN') break;
  }
  return status;
}
