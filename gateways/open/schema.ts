/**
 * Genesys Cloud Open Messaging inbound bodies (message, receipt, event), validated with zod; unknown fields kept.
 * Both the current `/inbound/open/message` body and the legacy `/inbound/open` body (platform, type, direction) parse.
 */
import { z } from 'zod';

const party = z.looseObject({
  id: z.string().min(1),
  idType: z.string().optional(),
  nickname: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
});

const content = z.looseObject({
  contentType: z.string().min(1),
  attachment: z
    .looseObject({
      id: z.string().optional(),
      mediaType: z.string().optional(),
      url: z.string().optional(),
      mime: z.string().optional(),
      filename: z.string().optional(),
      text: z.string().optional(),
    })
    .optional(),
  buttonResponse: z
    .looseObject({ type: z.string().optional(), text: z.string().optional(), payload: z.string().optional() })
    .optional(),
  location: z
    .looseObject({
      latitude: z.number(),
      longitude: z.number(),
      address: z.string().optional(),
      text: z.string().optional(),
    })
    .optional(),
});

/** An inbound customer message (middleware → Switchboard). */
export const openMessage = z.looseObject({
  channel: z.looseObject({
    messageId: z.string().min(1).optional(),
    id: z.string().optional(),
    platform: z.string().optional(),
    type: z.string().optional(),
    from: party,
    to: party.partial().optional(),
    time: z.string().min(1),
  }),
  id: z.string().optional(),
  type: z.string().optional(),
  direction: z.string().optional(),
  /** Outbound (Genesys → middleware) messages: who wrote it, `Human` or `Bot`. */
  originatingEntity: z.string().optional(),
  text: z.string().optional(),
  content: z.array(content).optional(),
});

/** A receipt for a message Switchboard sent (middleware → Switchboard). */
export const openReceipt = z.looseObject({
  id: z.string().min(1),
  channel: z.looseObject({ to: party, time: z.string().min(1) }),
  status: z.string().min(1),
  direction: z.string().optional(),
  isFinalReceipt: z.boolean().optional(),
  reasons: z.array(z.looseObject({ code: z.string().optional(), message: z.string().optional() })).optional(),
});

/** Typing and other events, from the customer's side (middleware → Switchboard) or the business's (Genesys outbound). */
export const openEvent = z.looseObject({
  id: z.string().optional(),
  channel: z.looseObject({
    messageId: z.string().optional(),
    from: party.optional(),
    to: party.partial().optional(),
    time: z.string().optional(),
  }),
  direction: z.string().optional(),
  originatingEntity: z.string().optional(),
  events: z.array(
    z.looseObject({
      eventType: z.string(),
      typing: z.looseObject({ type: z.string().optional(), duration: z.number().optional() }).optional(),
    }),
  ),
});

/** A parsed open-messaging inbound message. */
export type OpenMessage = z.infer<typeof openMessage>;
/** A parsed open-messaging event body. */
export type OpenEvent = z.infer<typeof openEvent>;
/** A parsed open-messaging receipt. */
export type OpenReceipt = z.infer<typeof openReceipt>;
