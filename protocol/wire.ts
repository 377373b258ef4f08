/** The wire codec: MessagePack for every payload on NATS. */
import { Decoder, Encoder } from '@msgpack/msgpack';

// One reusable codec pair: a fresh Encoder per call allocates its buffer each time (GC-heavy).
const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

/** Encodes a value; undefined object fields are left out, as JSON would. Returns a fresh copy. */
export function encode(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/** Decodes a payload; throws a RangeError/DecodeError on malformed bytes. */
export function decode<T = unknown>(bytes: Uint8Array): T {
  return decoder.decode(bytes) as T;
}
