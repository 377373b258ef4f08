/** Apple Messages for Business message body (MSP REST API), validated with zod; unknown fields are kept. */
import { z } from 'zod';

const attachment = z.looseObject({
  url: z.string().min(1),
  name: z.string().optional(),
  mimeType: z.string().optional(),
  size: z.union([z.string(), z.number()]).optional(),
  key: z.string().optional(),
  owner: z.string().optional(),
  signature: z.string().optional(),
  'signature-base64': z.string().optional(),
});

/** A message Apple delivers to the MSP. */
export const appleMessage = z.looseObject({
  v: z.number().optional(),
  type: z.string().min(1),
  id: z.string().min(1).optional(),
  sourceId: z.string().min(1).optional(),
  destinationId: z.string().optional(),
  body: z.string().optional(),
  intent: z.string().optional(),
  group: z.string().optional(),
  locale: z.string().optional(),
  attachments: z.array(attachment).optional(),
  interactiveData: z
    .looseObject({
      bid: z.string().optional(),
      data: z.record(z.string(), z.unknown()).optional(),
      receivedMessage: z.looseObject({ title: z.string().optional() }).optional(),
      replyMessage: z.looseObject({ title: z.string().optional() }).optional(),
    })
    .optional(),
  interactiveDataRef: z.looseObject({ url: z.string(), title: z.string().optional() }).optional(),
});

/** A parsed Apple Messages for Business message. */
export type AppleMessage = z.infer<typeof appleMessage>;
