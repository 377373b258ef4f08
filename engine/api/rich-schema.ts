/**
 * The zod schema of the canonical rich message (protocol/rich.ts), used by the reply routes, the
 * agent's send route and canned responses. It checks the shape and generous channel-agnostic
 * bounds; each gateway applies its platform's exact limits (refusing with `unsupported_on_channel`).
 */
import { z } from 'zod';
import type { RichMessage } from '../../protocol/rich.js';

const Label = z.string().min(1).max(640);
const Payload = z.string().min(1).max(1_000);
const Url = z
  .string()
  .url()
  .refine((u) => /^https?:/i.test(u), 'an http(s) URL');

export const RichButtonSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('postback'), title: Label, payload: Payload }).strict(),
  z.object({ type: z.literal('url'), title: Label, url: Url }).strict(),
]);

export const RichMessageSchema: z.ZodType<RichMessage> = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('quick_replies'),
      text: z.string().min(1).max(4_096),
      replies: z
        .array(z.object({ title: Label, payload: Payload, imageUrl: Url.optional() }).strict())
        .min(1)
        .max(20),
    })
    .strict(),
  z
    .object({
      type: z.literal('buttons'),
      text: z.string().min(1).max(4_096),
      buttons: z.array(RichButtonSchema).min(1).max(10),
    })
    .strict(),
  z
    .object({
      type: z.literal('list'),
      text: z.string().min(1).max(4_096),
      button: Label,
      title: Label.optional(),
      sections: z
        .array(
          z
            .object({
              title: Label.optional(),
              rows: z
                .array(z.object({ title: Label, payload: Payload, description: Label.optional() }).strict())
                .min(1)
                .max(50),
            })
            .strict(),
        )
        .min(1)
        .max(20),
    })
    .strict(),
  z
    .object({
      type: z.literal('carousel'),
      text: z.string().min(1).max(4_096).optional(),
      cards: z
        .array(
          z
            .object({
              title: Label,
              subtitle: Label.optional(),
              imageUrl: Url.optional(),
              buttons: z.array(RichButtonSchema).max(10).optional(),
            })
            .strict(),
        )
        .min(1)
        .max(20),
    })
    .strict(),
  z
    .object({
      type: z.literal('datetime_picker'),
      text: z.string().min(1).max(4_096),
      payload: Payload,
      mode: z.enum(['date', 'time', 'datetime']),
      timeslots: z
        .array(
          z
            .object({
              startAt: z.string().datetime({ offset: true }),
              durationMinutes: z
                .number()
                .int()
                .min(1)
                .max(24 * 60),
            })
            .strict(),
        )
        .max(50)
        .optional(),
    })
    .strict(),
  z.object({ type: z.literal('location_request'), text: z.string().min(1).max(4_096) }).strict(),
]) as z.ZodType<RichMessage>;
