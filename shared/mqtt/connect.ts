import type { Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/**
 * mqtt.connect for our devices: MQTT 3.1.1 (aedes refuses MQTT 5), and
 * Nagle's algorithm off on every (re)connection. With Nagle on, a small
 * request written while the previous PUBACK is still unacknowledged waits
 * for the peer's delayed ACK, about 40 ms per round trip; mqtt.js does not
 * set it for us.
 */
export function connectMqtt(url: string, options: IClientOptions): MqttClient {
  const client = mqtt.connect(url, { ...options, protocolVersion: 4 });
  client.on('connect', () => {
    (client.stream as Partial<Socket>).setNoDelay?.(true);
  });
  return client;
}
