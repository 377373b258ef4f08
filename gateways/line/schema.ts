/** LINE Messaging API webhook body, validated with zod (unknown fields kept, unknown event types tolerated). */
import { z } from 'zod';

const source = z.looseObject({
  type: z.enum(['user', 'group', 'room']),
  userId: z.string().optional(),
  groupId: z.string().optional(),
  roomId: z.string().optional(),
});

/** One message object inside a `message` event. */
export const lineMessage = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  text: z.string().optional(),
  fileName: z.string().optional(),
  title: z.string().optional(),
  address: z.string().optional(),
  latitude: z.number().optional(),
  longitude: z.number().optional(),
  packageId: z.string().optional(),
  stickerId: z.string().optional(),
  keywords: z.array(z.string()).optional(),
  contentProvider: z.looseObject({ type: z.string(), originalContentUrl: z.string().optional() }).optional(),
});

/** Any webhook event: the fields every event has, the rest checked per type by the normalizer. */
export const lineEvent = z.looseObject({
  type: z.string().min(1),
  timestamp: z.number().int().nonnegative(),
  mode: z.string().optional(),
  webhookEventId: z.string().min(1),
  deliveryContext: z.looseObject({ isRedelivery: z.boolean() }).optional(),
  source: source.optional(),
  replyToken: z.string().optional(),
  message: lineMessage.optional(),
  postback: z.looseObject({ data: z.string(), params: z.record(z.string(), z.unknown()).optional() }).optional(),
  unsend: z.looseObject({ messageId: z.string().min(1) }).optional(),
  follow: z.looseObject({ isUnblocked: z.boolean().optional() }).optional(),
});

/** The POST body: `destination` (the bot's user id) and zero or more events. */
export const lineWebhookBody = z.looseObject({
  destination: z.string().optional(),
  events: z.array(lineEvent),
});

/** One parsed LINE webhook event. */
export type LineEvent = z.infer<typeof lineEvent>;
