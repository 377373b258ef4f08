/** An in-memory Bus that records publishes and deduplicates by msgId, as JetStream does. */
import type { Bus } from '../../actors/types.js';

export class MemoryBus implements Bus {
  readonly messages: { subject: string; data: Uint8Array; msgId: string }[] = [];
  readonly #seen = new Set<string>();
  failNext = 0;

  async publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('bus unavailable');
    }
    if (this.#seen.has(msgId)) return;
    this.#seen.add(msgId);
    this.messages.push({ subject, data, msgId });
  }
}
