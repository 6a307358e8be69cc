// shared/protocol/messages.ts, whose message types the pages read through
// shared/api, also decodes MQTT payloads (Node Buffers) for the hub. The
// browser program only needs the name to exist; pages never call it.
type Buffer = Uint8Array;
declare const Buffer: { byteLength(text: string): number };
