/** The Graph API send calls' error shape and how its codes map to Switchboard reason codes. */
import { SendError } from '../channel.js';
import type { ProviderResponse } from '../provider-http.js';

/** Graph's error object: `{ error: { message, type, code, error_subcode, fbtrace_id } }`. */
interface GraphError {
  readonly message?: string;
  readonly code?: number;
  readonly error_subcode?: number;
}

const WINDOW_SUBCODES = new Set([2018278, 2534022]);
const RATE_CODES = new Set([4, 17, 32, 613, 80007, 130429, 131048, 131056]);
const TRANSIENT_CODES = new Set([1, 2, 131000, 131016]);
const RECIPIENT_CODES = new Set([551, 131026, 131030]);

/** Maps a non-2xx Graph answer to a SendError (window closed, rate limited, token invalid, …). */
export function graphSendError(res: ProviderResponse): SendError {
  const err = ((res.body as { error?: GraphError } | undefined)?.error ?? {}) as GraphError;
  const code = err.code;
  const sub = err.error_subcode;
  const providerCode = code === undefined ? String(res.status) : sub ? `${code}/${sub}` : String(code);
  const text = err.message ?? `HTTP ${res.status}`;
  if (code === 131047 || (code === 10 && sub !== undefined && WINDOW_SUBCODES.has(sub))) {
    return new SendError('reply_window_closed', `the customer's reply window is closed: ${text}`, false, providerCode);
  }
  if (code !== undefined && RATE_CODES.has(code))
    return new SendError('rate_limited', `the provider throttled the send: ${text}`, true, providerCode);
  if (code !== undefined && TRANSIENT_CODES.has(code))
    return new SendError('provider_error', `the provider failed temporarily: ${text}`, true, providerCode);
  if (code === 190)
    return new SendError('credentials_invalid', `the access token was refused: ${text}`, false, providerCode);
  if ((code !== undefined && RECIPIENT_CODES.has(code)) || sub === 1545041) {
    return new SendError(
      'recipient_unavailable',
      `the recipient cannot receive messages: ${text}`,
      false,
      providerCode,
    );
  }
  if (code === 132000 || code === 132001 || code === 132012)
    return new SendError('template_invalid', `the template was refused: ${text}`, false, providerCode);
  return new SendError('provider_rejected', `the provider refused the message: ${text}`, false, providerCode);
}

/** The Graph API version used in send URLs. */
export const GRAPH_VERSION = 'v21.0';
/** Production Graph base URL (integrations may point `sendBaseUrl` elsewhere). */
export const GRAPH_BASE_URL = `https://graph.facebook.com/${GRAPH_VERSION}`;
