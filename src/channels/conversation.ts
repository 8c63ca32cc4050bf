/**
 * The channel port for conversations. A conversation channel (voice, SMS, next LINE) is a reader, a
 * renderer and its capabilities: it reads a verified request into the conversation's key, how to
 * start it and the user's events; it renders the flow's Reply as its own answer; it says what to
 * answer when our side failed. `conversationRoute` runs any of them the same way: read (400 naming
 * the field), the events through the runner under the deadline, render; on a failure of ours the
 * channel's apology (never a 5xx). Web-standard only.
 */
import type { Context } from 'hono';
import type { ConversationStart, Runner, TurnResult } from '../flows/runner.js';
import type { UserEvent } from '../flows/reply.js';
import type { Logger } from '../logger.js';
import { errorFields } from '../logger.js';
import { withTimeout } from './deadline.js';

/** What one request asks of the conversation. */
export interface ConversationTurn {
  /** Session key, e.g. `voice:<CallSid>`, `sms:<number>`. */
  key: string;
  /** How to start the conversation when there is none (with the channel's capabilities). */
  start: ConversationStart;
  /** The user's events, in order (usually one; a keyword alone by SMS walks a menu or two). */
  events: UserEvent[];
  /** Voice: the turn number of the action URL (a turn already answered is answered again, unchanged). */
  turn?: number;
}

export type ReadResult<R> = { ok: true; request: R } | { ok: false; field: string };

export interface ConversationChannel<R> {
  /** For log lines. */
  readonly name: string;
  /** The verified request (the webhook guard has run) as this channel's request, or the field that is wrong. */
  read(c: Context): ReadResult<R> | Promise<ReadResult<R>>;
  /** What the request asks of the conversation. */
  turn(request: R): ConversationTurn;
  /** The flow's answer in this channel's form. */
  render(c: Context, result: TurnResult, request: R): Response | Promise<Response>;
  /** What to answer when our side failed (or missed the deadline): an apology and a way forward. */
  apology(c: Context, request: R): Response | Promise<Response>;
  /** What a log line may say of the request: ids, never a number in full or a message's text. */
  about(request: R): Record<string, unknown>;
}

export interface ConversationDeps {
  runner: Runner;
  logger: Logger;
  /** A turn that takes longer is answered with the channel's apology (Twilio gives up after 15 s). */
  deadlineMs: number;
}

/**
 * Runs one request's events through the runner: the last result, or the error that stopped it.
 * Each event under `deadlineMs` when given; a route whose deadline is kept around it (the app's,
 * src/channels/fallbacks.ts) gives none.
 */
export async function runConversation(runner: Runner, turn: ConversationTurn, deadlineMs?: number): Promise<TurnResult> {
  let result: TurnResult | null = null;
  for (const event of turn.events) {
    const step = runner.turn({ key: turn.key, start: turn.start, event, ...(turn.turn !== undefined ? { turn: turn.turn } : {}) });
    result = await (deadlineMs === undefined ? step : withTimeout(step, deadlineMs));
  }
  if (!result) throw new Error('a conversation turn without an event');
  return result;
}

/** The one conversation route: any channel, read, run, render; its apology when our side fails. */
export function conversationRoute<R>(channel: ConversationChannel<R>, deps: ConversationDeps): (c: Context) => Promise<Response> {
  return async (c) => {
    const read = await channel.read(c);
    if (!read.ok) return c.text(`Bad Request: ${read.field}`, 400);
    const request = read.request;
    try {
      const result = await runConversation(deps.runner, channel.turn(request), deps.deadlineMs);
      if (result.repeated) deps.logger.info({ ...channel.about(request), turn: result.turn }, `${channel.name} turn repeated: saved answer`);
      return await channel.render(c, result, request);
    } catch (err) {
      // Not the error's message: it may quote what the user said (errorFields).
      deps.logger.error({ ...channel.about(request), err: errorFields(err) }, `${channel.name} turn failed`);
      return channel.apology(c, request);
    }
  };
}
