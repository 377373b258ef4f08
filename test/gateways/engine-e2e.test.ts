import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../actors/clock.js';
import { builtinActorTypes } from '../../engine/actor-types.js';
import { Engine } from '../../engine/engine.js';
import { createLogger } from '../../engine/logger.js';
import { parseGatewayConfig } from '../../gateways/config.js';
import { startGateway } from '../../gateways/gateway.js';
import { useNatsServer } from '../support/nats.js';
import { tempDir } from '../support/tmp.js';
import { metaSignature } from './support.js';

const nats = useNatsServer();

describe('gateway into a real engine', () => {
  it('a signed WhatsApp webhook, delivered twice, becomes one conversation event in the engine', async () => {
    const engine = new Engine({
      dataDir: join(tempDir(), 'e'),
      natsUrl: nats.server.url,
      clock: new ManualClock(1_749_416_400_000),
      logger: createLogger({ level: 'silent' }),
      actorTypes: builtinActorTypes({ partitions: 16 }),
    });
    await engine.start();
    const gw = await startGateway({
      config: parseGatewayConfig({ integrations: [{ id: 'wa1', channel: 'whatsapp', secret: 'app_secret' }] }),
      natsUrl: nats.server.url,
      httpPort: 0,
      deliver: false,
    });
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'waba',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { phone_number_id: 'p' },
                contacts: [{ profile: { name: 'Sheena' }, wa_id: '16505551234' }],
                messages: [
                  {
                    from: '16505551234',
                    id: 'wamid.E2E',
                    timestamp: '1749416383',
                    type: 'text',
                    text: { body: 'Where is my order?' },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${gw.port}/webhooks/whatsapp/wa1`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, 'app_secret') },
      });
      expect(res.status).toBe(200);
    }
    const ref = { type: 'conversation', key: 'whatsapp:wa1:16505551234' };
    const deadline = Date.now() + 10_000;
    while (!engine.host.read(ref) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const snap = engine.host.read(ref);
    // The customer message opened an interaction and the WhatsApp reply window.
    expect(snap?.value).toMatchObject({ threading: { active: 'pending' }, window: 'open' });
    await engine.host.drain();
    expect(engine.host.stats.applied).toBeGreaterThanOrEqual(1);
    expect(engine.host.stats.duplicates).toBe(0); // JetStream already dropped the second copy
    await gw.stop();
    await engine.stop();
  });
});
