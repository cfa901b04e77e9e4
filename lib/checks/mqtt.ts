import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import { parseOptions } from '../options.js';
import { checkTuningSchema } from '../runner/options.js';
import type { CheckDefinition, CheckResult } from '../runner/types.js';
import {
  attempt,
  elapsedMs,
  hasMethod,
  OutstandingProbe,
  requireShape,
  untilAborted,
} from './probe.js';
import { describeError } from './redact.js';
import { pickTuning } from './tuning.js';

const mqttSchema = checkTuningSchema;

/** Options of {@link mqtt}: the tuning of every check, `critical`, `timeoutMs`, `cacheTtlMs`. */
export type MqttOptions = z.input<typeof mqttSchema>;

/**
 * What {@link mqtt} needs of a client, as `mqtt.connect()` of the `mqtt` package (v5)
 * returns it: `connected`, and `unsubscribeAsync()` returning a promise.
 */
export interface MqttClientLike {
  readonly connected: boolean;
  /** `true` while the client waits to reconnect. */
  readonly reconnecting?: boolean;
  unsubscribeAsync(topic: string): PromiseLike<unknown>;
}

type ErrorListener = (error: unknown) => void;
interface Emitter {
  on(event: 'error', listener: ErrorListener): unknown;
  off(event: 'error', listener: ErrorListener): unknown;
}

/**
 * Checks an MQTT broker through an `mqtt` client: the client must be connected, then an
 * `UNSUBSCRIBE` from a topic of the check's own (`health-probes/rtt/<uuid>`, never
 * subscribed, so no message is published or lost) must be answered with an `UNSUBACK`, a
 * round trip the broker answers like any other. The driver is never imported: any object
 * of the right shape works ({@link MqttClientLike}).
 *
 * Details: `latencyMs`, the round trip in milliseconds.
 *
 * While the client is not connected the check is DOWN at once, quoting the client's latest
 * `error` event (it listens to them; `health.close()` removes the listener), and sends
 * nothing. The client is the application's and is never closed: on timeout the
 * `UNSUBSCRIBE` is left to it, and while it is unanswered later runs are DOWN at once.
 *
 * @param client - what `mqtt.connect()` returns.
 * @param options - see {@link MqttOptions}.
 * @throws {HealthOptionsError} when `client` has no `unsubscribeAsync()` or an option is invalid.
 * @example
 * const client = mqtt.connect(process.env.MQTT_URL);
 * createHealth({ checks: { broker: checks.mqtt(client) } });
 */
export function mqtt(client: MqttClientLike, options: MqttOptions = {}): CheckDefinition {
  requireShape('checks.mqtt()', 'an mqtt client', hasMethod(client, 'unsubscribeAsync'));
  const tuning = parseOptions('checks.mqtt()', mqttSchema, options);
  const topic = `health-probes/rtt/${randomUUID()}`;
  const roundTrip = new OutstandingProbe();
  let lastError: string | undefined;
  const remember: ErrorListener = (error) => {
    lastError = describeError(error);
  };
  const emitter =
    hasMethod(client, 'on') && hasMethod(client, 'off')
      ? (client as unknown as Emitter)
      : undefined;
  emitter?.on('error', remember);
  return {
    ...pickTuning(tuning),
    check: async function mqttCheck({ signal }): Promise<CheckResult> {
      const waitedMs = roundTrip.ageMs;
      if (waitedMs !== undefined) {
        return {
          status: 'DOWN',
          message: `the previous UNSUBSCRIBE is unanswered after ${waitedMs} ms`,
        };
      }
      if (!client.connected) {
        const state = client.reconnecting === true ? 'reconnecting' : 'disconnected';
        const why = lastError === undefined ? '' : `: ${lastError}`;
        return { status: 'DOWN', message: `client not connected (${state})${why}` };
      }
      lastError = undefined;
      const startedAt = performance.now();
      try {
        await untilAborted(roundTrip.track(attempt(() => client.unsubscribeAsync(topic))), signal);
      } catch (error) {
        if (signal.aborted) throw error;
        return { status: 'DOWN', message: `UNSUBSCRIBE failed: ${describeError(error)}` };
      }
      return { status: 'UP', details: { latencyMs: elapsedMs(startedAt) } };
    },
    close: () => emitter?.off('error', remember),
  };
}
