export { diskSpace, type DiskSpaceOptions } from './disk-space.js';
export { eventLoopDelay, type EventLoopDelayOptions } from './event-loop-delay.js';
export { memory, type MemoryOptions } from './memory.js';
export type { CheckTuning } from './tuning.js';
export { http, type HttpOptions } from './http.js';
export { mysql, type MysqlConnectionLike, type MysqlOptions, type MysqlPoolLike } from './mysql.js';
export {
  postgres,
  type PgClientLike,
  type PgPoolClientLike,
  type PgPoolLike,
  type PostgresOptions,
} from './postgres.js';
export {
  rabbitmq,
  type AmqpChannelLike,
  type AmqpConnectionLike,
  type RabbitmqOptions,
} from './rabbitmq.js';
export { redis, type RedisClientLike, type RedisOptions } from './redis.js';
export { tcp, type TcpOptions } from './tcp.js';
export { heartbeat, HeartbeatCheck, type HeartbeatOptions } from './heartbeat.js';
