/**
 * Public social posts: X mentions (Account Activity `tweet_create_events`) and Facebook page posts and
 * comments (`feed` changes), kept only when they contain one of the integration's keywords
 * (`options.keywords`; none configured keeps every post). `options.platform` is `x` or `facebook`.
 */
import type { InboundEvent, MessageReceived, OutboundMessage } from '../../protocol/channels.js';
import { SendError, WebhookError, type ChannelAdapter, type Integration, type LengthRule } from '../channel.js';
import { GRAPH_BASE_URL, graphSendError } from '../meta/graph.js';
import { metaHandshake, verifyMetaSignature } from '../meta/webhook.js';
import { joinUrl, postJson } from '../provider-http.js';
import { sendXDirectMessage, xPost } from '../x/api.js';
import { verifyXSignature, xCrcHandshake } from '../x/webhook.js';
import { normalizeFacebookFeed, normalizeXMentions } from './normalize.js';

type Platform = 'x' | 'facebook';

/** The integration's platform; a misconfigured one is refused with a clear reason. */
export function platformOf(integration: Integration): Platform {
  const p = integration.options?.platform;
  if (p === 'x' || p === 'facebook') return p;
  throw new WebhookError(
    404,
    'unknown_integration',
    `social integration ${integration.id} needs options.platform "x" or "facebook"`,
  );
}

/** The integration's keywords, lower-cased. */
export function keywordsOf(integration: Integration): string[] {
  const k = integration.options?.keywords;
  return Array.isArray(k)
    ? k.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim().toLowerCase())
    : [];
}

/** The keywords `text` contains (whole words or phrases, case-insensitive); undefined when it is not actionable. */
export function matchKeywords(text: string, keywords: readonly string[]): string[] | undefined {
  if (keywords.length === 0) return [];
  const t = ` ${text.toLowerCase().replace(/[^\p{L}\p{N}@#]+/gu, ' ')} `;
  const hits = keywords.filter((k) => t.includes(` ${k.replace(/[^\p{L}\p{N}@#]+/gu, ' ').trim()} `));
  return hits.length ? hits : undefined;
}

/** Keeps the events whose text matches a keyword, recording the matched keywords on them. */
function filterActionable(events: MessageReceived[], integration: Integration): InboundEvent[] {
  const keywords = keywordsOf(integration);
  const out: InboundEvent[] = [];
  for (const e of events) {
    const hits = matchKeywords(e.text ?? '', keywords);
    if (hits) out.push({ ...e, public: { ...e.public!, keywords: hits } });
  }
  return out;
}

const TWEET: LengthRule = { max: 280, unit: 'chars', split: false };
const FB_COMMENT: LengthRule = { max: 8000, unit: 'chars', split: false };
const DM: LengthRule = { max: 2000, unit: 'chars', split: true };

async function sendPublic(
  m: OutboundMessage,
  integration: Integration,
  fetchImpl: typeof fetch,
): Promise<{ providerMessageId?: string }> {
  if (!m.replyTo)
    throw new SendError('message_invalid', 'a public reply needs replyTo: the post or comment id to answer', false);
  if (m.kind !== 'text' || !m.text)
    throw new SendError('message_invalid', `public replies send text; got kind "${m.kind}"`, false);
  if (platformOf(integration) === 'x') {
    const data = await xPost(
      integration,
      '2/tweets',
      { text: m.text, reply: { in_reply_to_tweet_id: m.replyTo } },
      fetchImpl,
    );
    return typeof data.id === 'string' ? { providerMessageId: data.id } : {};
  }
  const token = integration.credentials.accessToken;
  if (!token)
    throw new SendError(
      'integration_misconfigured',
      `integration ${integration.id} needs credentials.accessToken (a page token)`,
      false,
    );
  const res = await postJson(
    fetchImpl,
    joinUrl(integration.sendBaseUrl ?? GRAPH_BASE_URL, `${encodeURIComponent(m.replyTo)}/comments`),
    { message: m.text },
    { authorization: `Bearer ${token}` },
  );
  if (res.status >= 300) throw graphSendError(res);
  const id = (res.body as { id?: string } | undefined)?.id;
  return id ? { providerMessageId: id } : {};
}

async function sendPrivate(
  m: OutboundMessage,
  integration: Integration,
  fetchImpl: typeof fetch,
): Promise<{ providerMessageId?: string }> {
  if (m.kind !== 'text' || !m.text)
    throw new SendError('message_invalid', `private replies send text; got kind "${m.kind}"`, false);
  if (platformOf(integration) === 'x') return sendXDirectMessage(integration, m.channelUserId, m.text, fetchImpl);
  // Facebook private reply to a comment: the Send API with recipient.comment_id.
  const token = integration.credentials.accessToken;
  if (!token || !m.replyTo)
    throw new SendError(
      'message_invalid',
      'a Facebook private reply needs replyTo (the comment id) and credentials.accessToken',
      false,
    );
  const url = joinUrl(integration.sendBaseUrl ?? GRAPH_BASE_URL, `${integration.credentials.pageId ?? 'me'}/messages`);
  const res = await postJson(
    fetchImpl,
    url,
    { recipient: { comment_id: m.replyTo }, message: { text: m.text } },
    { authorization: `Bearer ${token}` },
  );
  if (res.status >= 300) throw graphSendError(res);
  const id = (res.body as { message_id?: string } | undefined)?.message_id;
  return id ? { providerMessageId: id } : {};
}

/** The public social posts adapter. */
export const socialAdapter: ChannelAdapter = {
  channel: 'social',
  length: TWEET,
  lengthFor: (m, integration) =>
    m.visibility === 'private' ? DM : platformOf(integration) === 'x' ? TWEET : FB_COMMENT,
  handshake: (req, integration) =>
    platformOf(integration) === 'x' ? xCrcHandshake(req, integration) : metaHandshake(req, integration),
  verify: (req, integration) =>
    platformOf(integration) === 'x' ? verifyXSignature(req, integration) : verifyMetaSignature(req, integration),
  normalize(req, integration) {
    const posts =
      platformOf(integration) === 'x' ? normalizeXMentions(req, integration) : normalizeFacebookFeed(req, integration);
    return filterActionable(posts, integration);
  },
  send: (m, integration, fetchImpl) =>
    m.visibility === 'private' ? sendPrivate(m, integration, fetchImpl) : sendPublic(m, integration, fetchImpl),
};
