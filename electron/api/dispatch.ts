// Validates a request against its channel's schema, runs the handler and wraps the outcome in an
// ApiEnvelope. Both transports go through here; nothing reaches a handler unvalidated.

import { API_CHANNELS, type ApiChannel, type ApiEnvelope, type ApiRequest, type ApiResult } from '../../shared/api.js';
import { toErrorInfo } from '../engine/errors.js';
import { InvalidRequestError, UnknownChannelError } from './request-errors.js';
import { describeIssues, requestSchemas } from './schemas.js';

/** One handler per channel of the API contract. */
export type Handlers = { [C in ApiChannel]: (req: ApiRequest<C>) => Promise<ApiResult<C>> };

const channels = new Set<string>(API_CHANNELS);

function isChannel(name: string): name is ApiChannel {
  return channels.has(name);
}

export async function dispatch(handlers: Handlers, channel: string, raw: unknown): Promise<ApiEnvelope<unknown>> {
  try {
    if (!isChannel(channel)) throw new UnknownChannelError(`Unknown API channel: ${channel.slice(0, 100)}`);
    const parsed = requestSchemas[channel].safeParse(raw);
    if (!parsed.success) throw new InvalidRequestError(`Invalid request for ${channel}: ${describeIssues(parsed.error)}`);
    const handler = handlers[channel] as (req: unknown) => Promise<unknown>;
    const result = await handler(parsed.data);
    // `undefined` does not survive JSON; say "no result" explicitly.
    return { result: result === undefined ? null : result };
  } catch (err) {
    return { error: toErrorInfo(err, process.env.PRODLIKE_DEBUG === '1') };
  }
}
