/**
 * Flow tests without a channel: a fresh database with the demo seed, the real services, memory
 * sessions and the real runner, on a clock the test moves. `say(reply)` turns a Reply into the
 * text a user would read (English when the Reply is English), for assertions.
 */
import { SMS_CAPABILITIES, VOICE_CAPABILITIES } from '../../src/channels/capabilities.js';
import { NO_CAPABILITIES } from '../../src/flows/flow.js';
import type { Database } from '../../src/db/connect.js';
import { createDataPorts } from '../../src/db/repositories/index.js';
import { seedDemo } from '../../src/db/seed.js';
import { createServices } from '../../src/core/create-services.js';
import { createDirectory } from '../../src/core/directory.js';
import { createGuidance } from '../../src/core/guidance.js';
import { createOutbound } from '../../src/core/outbound.js';
import { codeAt } from '../../src/core/totp.js';
import type { DataPorts, OutboundPort } from '../../src/core/ports.js';
import type { Services } from '../../src/core/services.js';
import type { Channel, Locale } from '../../src/core/types.js';
import { createMemorySessionStore } from '../../src/sessions/memory.js';
import type { SessionStore } from '../../src/sessions/port.js';
import { createRunner, type ConversationStart, type FlowDefinition, type FlowName, type Runner, type RunnerDeps, type TurnResult } from '../../src/flows/runner.js';
import type { Reply, UserEvent } from '../../src/flows/reply.js';
import { i18n, render, type Mode } from '../../src/i18n.js';
import { dbTargets, type DbTarget } from './db.js';
import { fakeClock, type FakeClock } from './clock.js';
import { DEMO_CCRN, DEMO_DRIVERS } from './demo.js';

/** The demo drivers' token secrets (src/db/demo-seed.json). */
export const DEMO = DEMO_DRIVERS;

export const CCRN = DEMO_CCRN;

/** Renders a Reply as text: each message in its own language, then the options as "1: label". */
export function say(reply: Reply, mode: Mode = 'text'): string {
  const keys = [...reply.say.map((m) => ({ key: m.key, lng: m.locale ?? reply.locale }))];
  if (reply.expect?.kind === 'menu') keys.push(...reply.expect.options.map((o) => ({ key: o.label, lng: o.locale ?? reply.locale })));
  for (const { key, lng } of keys) if (!i18n().exists(key, { lng })) throw new Error(`missing text: ${lng} ${key}`);
  const lines = reply.say.map((m) => render(m, m.locale ?? reply.locale, mode));
  if (reply.expect?.kind === 'menu') {
    for (const o of reply.expect.options) {
      const lng = o.locale ?? reply.locale;
      lines.push(`${o.key}: ${render({ key: o.label, ...(o.params ? { params: o.params } : {}) }, lng, mode)}`);
    }
  }
  if (!reply.expect && reply.end) lines.push(`[end: ${reply.end.kind}${reply.end.kind === 'agent' ? ` ${reply.end.reason} at ${reply.end.where}` : ''}]`);
  return lines.join('\n');
}

export interface Conversation {
  readonly key: string;
  readonly start: ConversationStart;
  /** The last result. */
  last: TurnResult;
  /** Opens the conversation (user.start). */
  open(): Promise<TurnResult>;
  press(digits: string, turn?: number): Promise<TurnResult>;
  text(text: string): Promise<TurnResult>;
  silence(): Promise<TurnResult>;
  send(event: UserEvent, turn?: number): Promise<TurnResult>;
  /** The last reply as text. */
  heard(): string;
}

export interface FlowHarness {
  db: Database;
  ports: DataPorts;
  services: Services;
  sessions: SessionStore;
  runner: Runner;
  clock: FakeClock;
  /** A conversation on a key of its own (voice by default, from no known number). */
  conversation(opts?: Partial<Omit<ConversationStart, 'flow'>> & { key?: string; flow?: FlowName; runner?: Runner }): Conversation;
  /** The code the demo driver's token shows now; moves the clock to the next step first so codes never repeat. */
  code(driver: keyof typeof DEMO | { secret: string }): string;
  /** A second runner over the same services (another instance), on these sessions or others. */
  newRunner(opts?: Pick<RunnerDeps, 'logger' | 'pureSteps'> & { sessions?: SessionStore }): Runner;
  close(): Promise<void>;
}

let keySerial = 0;

export interface FlowHarnessOptions {
  target?: DbTarget;
  /** Seeding moment; the clock starts here. */
  now?: Date;
  /** Replace the outbound port (e.g. to observe or fail SMS). */
  outbound?: (base: OutboundPort) => OutboundPort;
  /** Services as the flows see them (e.g. to make one throw). */
  wrapServices?: (s: Services) => Services;
  flows?: Partial<Record<FlowName, FlowDefinition>>;
}

export async function openFlowHarness(options: FlowHarnessOptions = {}): Promise<FlowHarness> {
  const target = options.target ?? dbTargets()[0]!;
  const db = await target.open();
  // A weekday afternoon in Hong Kong: post offices open.
  const clock = fakeClock(options.now ?? new Date('2026-11-25T06:00:00Z'));
  await seedDemo(db.sql, clock.now());
  const ports = createDataPorts(db.sql);
  const directory = createDirectory({ clock });
  const baseOutbound = createOutbound({ outbox: ports.outbox, drivers: ports.drivers, provider: null, clock });
  const real = createServices({
    ports,
    clock,
    outbound: options.outbound ? options.outbound(baseOutbound) : baseOutbound,
    directory,
    guidance: createGuidance(directory),
    retentionDays: 90,
  });
  const services = options.wrapServices ? options.wrapServices(real) : real;
  const sessions = createMemorySessionStore({ clock: () => clock.now().getTime() });
  const newRunner: FlowHarness['newRunner'] = ({ sessions: own, ...rest } = {}) =>
    createRunner({ sessions: own ?? sessions, services, clock, text: (msg, locale) => render(msg, locale, 'text'), ...(options.flows ? { flows: options.flows } : {}), ...rest });
  const runner = newRunner();

  const conversation: FlowHarness['conversation'] = (opts = {}) => {
    const channel: Channel = opts.channel ?? 'voice';
    const key = opts.key ?? `${channel}:T${++keySerial}`;
    const start: ConversationStart = {
      flow: opts.flow ?? 'hotline',
      channel,
      caller: opts.caller ?? null,
      entry: opts.entry ?? 'hotline',
      // As the channel would start it: the flows read capabilities, never the channel's name.
      capabilities: opts.capabilities ?? (channel === 'sms' ? SMS_CAPABILITIES : channel === 'voice' ? VOICE_CAPABILITIES : NO_CAPABILITIES),
      ...(opts.locale ? { locale: opts.locale as Locale } : {}),
      ...(opts.driverNo ? { driverNo: opts.driverNo } : {}),
    };
    const r = opts.runner ?? runner;
    const conv: Conversation = {
      key,
      start,
      last: undefined as unknown as TurnResult,
      async send(event, turn) {
        conv.last = await r.turn({ key, start, event, ...(turn !== undefined ? { turn } : {}) });
        return conv.last;
      },
      open: () => conv.send({ type: 'user.start' }),
      press: (digits, turn) => conv.send({ type: 'user.digits', digits }, turn),
      text: (text) => conv.send({ type: 'user.text', text }),
      silence: () => conv.send({ type: 'user.silence' }),
      heard: () => say(conv.last.reply),
    };
    return conv;
  };

  return {
    db,
    ports,
    services,
    sessions,
    runner,
    clock,
    conversation,
    newRunner,
    code(driver) {
      const secret = typeof driver === 'string' ? DEMO[driver].secret : driver.secret;
      clock.advance(30_000);
      return codeAt(secret, clock.now());
    },
    close: async () => {
      await sessions.close();
      await db.close();
    },
  };
}
