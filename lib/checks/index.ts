export { diskSpace, type DiskSpaceOptions } from './disk-space.js';
export { eventLoopDelay, type EventLoopDelayOptions } from './event-loop-delay.js';
export { memory, type MemoryOptions } from './memory.js';
export type { CheckTuning } from './tuning.js';
