/** The partition function every publisher and every engine node uses. */

/** Default number of partitions; fixed for the life of a cluster (changing it moves actors). */
export const DEFAULT_PARTITIONS = 16;

/** FNV-1a 32-bit over the UTF-16 code units of the key: stable across processes and versions. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The partition (0 … partitions-1) that owns an actor key. */
export function partitionOf(key: string, partitions: number = DEFAULT_PARTITIONS): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  }
  return hashKey(key) % partitions;
}
