/** Telegram Bot API `Update` (the parts a conversation needs), validated with zod; unknown fields are kept. */
import { z } from 'zod';

const id = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]);

const user = z.looseObject({
  id,
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});

const chat = z.looseObject({ id, type: z.string() });

const file = z.looseObject({
  file_id: z.string().min(1),
  file_unique_id: z.string().optional(),
  mime_type: z.string().optional(),
  file_name: z.string().optional(),
});

/** A Telegram `Message`. */
export const telegramMessage = z.looseObject({
  message_id: z.number().int(),
  from: user.optional(),
  chat,
  date: z.number().int().nonnegative(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(file).optional(),
  document: file.optional(),
  video: file.optional(),
  audio: file.optional(),
  voice: file.optional(),
  animation: file.optional(),
  video_note: file.optional(),
  sticker: z
    .looseObject({ file_id: z.string(), emoji: z.string().optional(), set_name: z.string().optional() })
    .optional(),
  location: z.looseObject({ latitude: z.number(), longitude: z.number() }).optional(),
  venue: z
    .looseObject({
      location: z.looseObject({ latitude: z.number(), longitude: z.number() }),
      title: z.string(),
      address: z.string(),
    })
    .optional(),
  contact: z
    .looseObject({
      phone_number: z.string(),
      first_name: z.string(),
      last_name: z.string().optional(),
      user_id: z.number().optional(),
      vcard: z.string().optional(),
    })
    .optional(),
});

/** One webhook request body: a single Update. */
export const telegramUpdate = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: telegramMessage.optional(),
  edited_message: telegramMessage.optional(),
  callback_query: z
    .looseObject({
      id: z.string(),
      from: user,
      message: telegramMessage.optional(),
      data: z.string().optional(),
    })
    .optional(),
  my_chat_member: z
    .looseObject({
      chat,
      from: user,
      date: z.number().int(),
      new_chat_member: z.looseObject({ status: z.string() }),
      old_chat_member: z.looseObject({ status: z.string() }).optional(),
    })
    .optional(),
});

/** A parsed Telegram message. */
export type TelegramMessage = z.infer<typeof telegramMessage>;
/** A parsed Telegram update. */
export type TelegramUpdate = z.infer<typeof telegramUpdate>;
