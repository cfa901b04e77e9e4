export { containerMemory, type ContainerMemoryOptions } from './container-memory.js';
export { cpu, type CpuOptions } from './cpu.js';
export { diskSpace, type DiskSpaceOptions } from './disk-space.js';
export { eventLoopDelay, type EventLoopDelayOptions } from './event-loop-delay.js';
export { fileDescriptors, type FileDescriptorsOptions } from './file-descriptors.js';
export { memory, type MemoryOptions } from './memory.js';
export type { CheckTuning } from './tuning.js';
export { grpc, type GrpcOptions } from './grpc.js';
export { http, type HttpOptions } from './http.js';
export {
  memcached,
  type MemcachedClientLike,
  type MemcachedOptions,
  type MemcachedStatsCallback,
} from './memcached.js';
export { mqtt, type MqttClientLike, type MqttOptions } from './mqtt.js';
export { mysql, type MysqlConnectionLike, type MysqlOptions, type MysqlPoolLike } from './mysql.js';
export { nats, type NatsConnectionLike, type NatsOptions } from './nats.js';
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
export { tls, type TlsOptions } from './tls.js';
