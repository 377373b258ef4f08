/** The parts of an outgoing message shared by agents' replies and proactive messages, checked the same way. */
import { z } from 'zod';
import { RichMessageSchema } from './rich-schema.js';

/** A caller's idempotency key: a repeat with the same id is answered, never sent twice. */
export const RequestId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w.:-]+$/, 'letters, digits, _ . : - only');

export const MediaSchema = z
  .object({
    url: z.string().url().optional(),
    id: z.string().optional(),
    mimeType: z.string().optional(),
    caption: z.string().optional(),
    filename: z.string().optional(),
  })
  .strict()
  .refine((m) => m.url || m.id, 'a media item needs url or id');

/** The message's own fields: its kind and the content that kind needs. */
export const messageFields = {
  kind: z.enum(['text', 'template', 'media', 'rich']),
  text: z.string().optional(),
  rich: RichMessageSchema.optional(),
  template: z
    .object({ name: z.string().min(1), language: z.string().min(1), params: z.array(z.string()).optional() })
    .strict()
    .optional(),
  media: z.array(MediaSchema).min(1).max(10).optional(),
};
