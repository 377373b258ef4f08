/** The wire codec: MessagePack for every payload on NATS. */
import { decode as mpDecode, encode as mpEncode } from '@msgpack/msgpack';

/** Encodes a value; undefined object fields are left out, as JSON would. */
export function encode(value: unknown): Uint8Array {
  return mpEncode(value, { ignoreUndefined: true });
}

/** Decodes a payload; throws a RangeError/DecodeError on malformed bytes. */
export function decode<T = unknown>(bytes: Uint8Array): T {
  return mpDecode(bytes) as T;
}
