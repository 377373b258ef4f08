/** X API v2 send calls (DMs and replies) and how their errors map to reason codes. */
import { SendError, type Integration } from '../channel.js';
import { joinUrl, postJson, type ProviderResponse } from '../provider-http.js';

/** Production X API base URL (integrations may point `sendBaseUrl` elsewhere). */
export const X_API_BASE_URL = 'https://api.x.com';

function xError(res: ProviderResponse): SendError {
  const b = (res.body ?? {}) as { title?: string; detail?: string; errors?: { message?: string; code?: number }[] };
  const text = b.detail ?? b.errors?.[0]?.message ?? b.title ?? `HTTP ${res.status}`;
  const providerCode = b.errors?.[0]?.code !== undefined ? String(b.errors[0].code) : String(res.status);
  if (res.status === 401)
    return new SendError('credentials_invalid', `X refused the credentials: ${text}`, false, providerCode);
  if (res.status === 403)
    return new SendError(
      'recipient_unavailable',
      `X refused the message (the user may not accept messages from this account): ${text}`,
      false,
      providerCode,
    );
  return new SendError('provider_rejected', `X refused the message: ${text}`, false, providerCode);
}

/** POSTs to the X API with the integration's user-context token; returns the JSON `data`. */
export async function xPost(
  integration: Integration,
  path: string,
  body: unknown,
  fetchImpl: typeof fetch,
): Promise<Record<string, unknown>> {
  const token = integration.credentials.accessToken;
  if (!token)
    throw new SendError(
      'integration_misconfigured',
      `integration ${integration.id} needs credentials.accessToken (OAuth 2.0 user context)`,
      false,
    );
  const res = await postJson(fetchImpl, joinUrl(integration.sendBaseUrl ?? X_API_BASE_URL, path), body, {
    authorization: `Bearer ${token}`,
  });
  if (res.status >= 300) throw xError(res);
  return ((res.body as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as Record<string, unknown>;
}

/** Sends a direct message: `POST /2/dm_conversations/with/:participant_id/messages`. */
export async function sendXDirectMessage(
  integration: Integration,
  userId: string,
  text: string,
  fetchImpl: typeof fetch,
): Promise<{ providerMessageId?: string }> {
  const data = await xPost(
    integration,
    `2/dm_conversations/with/${encodeURIComponent(userId)}/messages`,
    { text },
    fetchImpl,
  );
  return typeof data.dm_event_id === 'string' ? { providerMessageId: data.dm_event_id } : {};
}
