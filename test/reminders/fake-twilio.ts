/**
 * A stand-in for the Twilio REST API (Messages.json and Calls.json: create and list), as msw
 * handlers for in-process tests and as an HTTP server on loopback for child processes and the
 * benchmark. It records what it accepted, so a test counts what the "provider" received.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type twilio from 'twilio';
import { twilioClient } from '../../src/node/twilio-transport.js';

export const ACCOUNT_SID = 'AC' + 'f'.repeat(32);
export const AUTH_TOKEN = 'reminder-test-auth-token';
export const FROM = '+85230010000';
export const TWILIO_API = 'https://api.twilio.com';

export interface Accepted {
  kind: 'sms' | 'call';
  sid: string;
  to: string;
  from: string;
  body: string | null;
  url: string | null;
  statusCallback: string | null;
  machineDetection: string | null;
  createdAt: Date;
  /** delivery, stage and attempt from the callback URL. */
  delivery: number | null;
  stage: number | null;
  attempt: number | null;
}

export interface Refusal {
  status: number;
  code: number;
}

type Reply = { status: number; json: unknown } | { hold: true };

const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');

/** The simulated provider's state and rules. */
export class TwilioSim {
  accepted: Accepted[] = [];
  /** Every create request, accepted or refused. */
  attempts: { kind: 'sms' | 'call'; to: string; status: number }[] = [];
  private queued = new Map<string, Refusal[]>();
  private always = new Map<string, Refusal>();
  /** When true, creates are recorded as accepted but never answered (a worker is about to die). */
  holding = false;
  private held: (() => void)[] = [];
  now: () => Date = () => new Date();

  /** The next creates to `to` (of any kind) are refused with these, in order. */
  refuseNext(to: string, ...refusals: Refusal[]) {
    this.queued.set(to, [...(this.queued.get(to) ?? []), ...refusals]);
  }
  /** Every create to `to` is refused; only messages or only calls when `kind` is given. */
  refuseAlways(to: string, refusal: Refusal, kind?: 'sms' | 'call') {
    this.always.set(kind ? `${kind}:${to}` : to, refusal);
  }
  reset() {
    this.accepted = [];
    this.attempts = [];
    this.queued.clear();
    this.always.clear();
    this.holding = false;
  }
  /** Answers (with a network error) every create held so far. */
  releaseHeld() {
    const h = this.held;
    this.held = [];
    for (const f of h) f();
  }
  sentTo(to: string, kind?: 'sms' | 'call') {
    return this.accepted.filter((a) => a.to === to && (!kind || a.kind === kind));
  }

  create(kind: 'sms' | 'call', form: Record<string, string>): Reply {
    const to = form.To ?? '';
    const refusal = this.queued.get(to)?.shift() ?? this.always.get(`${kind}:${to}`) ?? this.always.get(to);
    if (refusal) {
      this.attempts.push({ kind, to, status: refusal.status });
      return {
        status: refusal.status,
        json: { code: refusal.code, message: `error ${refusal.code}`, more_info: `https://www.twilio.com/docs/errors/${refusal.code}`, status: refusal.status },
      };
    }
    this.attempts.push({ kind, to, status: 201 });
    const sid = (kind === 'sms' ? 'SM' : 'CA') + randomBytes(16).toString('hex');
    const statusCallback = form.StatusCallback ?? null;
    const q = statusCallback ? new URL(statusCallback).searchParams : null;
    const num = (k: string) => (q?.get(k) ? Number(q.get(k)) : null);
    const a: Accepted = {
      kind,
      sid,
      to,
      from: form.From ?? '',
      body: form.Body ?? null,
      url: form.Url ?? null,
      statusCallback,
      machineDetection: form.MachineDetection ?? null,
      createdAt: this.now(),
      delivery: num('delivery'),
      stage: num('stage'),
      attempt: num('attempt'),
    };
    this.accepted.push(a);
    if (this.holding) return { hold: true };
    return { status: 201, json: this.resource(a) };
  }

  list(kind: 'sms' | 'call', query: URLSearchParams): Reply {
    const to = query.get('To');
    const from = query.get('From');
    const items = this.accepted
      .filter((a) => a.kind === kind && (!to || a.to === to) && (!from || a.from === from))
      .reverse()
      .map((a) => this.resource(a));
    return { status: 200, json: { [kind === 'sms' ? 'messages' : 'calls']: items, next_page_uri: null, page: 0, page_size: 50 } };
  }

  private resource(a: Accepted) {
    const base = { sid: a.sid, account_sid: ACCOUNT_SID, to: a.to, from: a.from, date_created: rfc2822(a.createdAt), date_updated: rfc2822(a.createdAt) };
    return a.kind === 'sms' ? { ...base, body: a.body, status: 'queued', date_sent: null } : { ...base, status: 'queued', start_time: null };
  }

  route(method: string, path: string, query: URLSearchParams, form: Record<string, string>): Reply {
    const m = /^\/2010-04-01\/Accounts\/(AC\w+)\/(Messages|Calls)\.json$/.exec(path);
    if (!m) return { status: 404, json: { code: 20404, message: 'not found', status: 404 } };
    const kind = m[2] === 'Messages' ? 'sms' : 'call';
    return method === 'POST' ? this.create(kind, form) : this.list(kind, query);
  }

  /** msw handlers standing in for api.twilio.com. */
  handlers() {
    const handle = async ({ request }: { request: Request }) => {
      const url = new URL(request.url);
      const form = request.method === 'POST' ? Object.fromEntries(new URLSearchParams(await request.text())) : {};
      const r = this.route(request.method, url.pathname, url.searchParams, form);
      if ('hold' in r) return HttpResponse.error();
      return HttpResponse.json(r.json as never, { status: r.status });
    };
    return [
      http.post(`${TWILIO_API}/2010-04-01/Accounts/:sid/:resource`, handle),
      http.get(`${TWILIO_API}/2010-04-01/Accounts/:sid/:resource`, handle),
    ];
  }

  /** The same API as an HTTP server on 127.0.0.1 (child processes, the benchmark). */
  async listen(): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const form = req.method === 'POST' ? Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) : {};
        const r = this.route(req.method ?? 'GET', url.pathname, url.searchParams, form);
        if ('hold' in r) {
          this.held.push(() => res.destroy());
          return;
        }
        const body = JSON.stringify(r.json);
        res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          this.releaseHeld();
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }
}

/**
 * A twilio SDK client whose requests go to `base` (the loopback server) instead of api.twilio.com:
 * the SDK's own request building, auth and error handling, over the service's own transport.
 */
export function loopbackTwilioClient(base: string): twilio.Twilio {
  return twilioClient(ACCOUNT_SID, AUTH_TOKEN, { apiBase: base });
}

/**
 * A TwilioSim behind msw for the whole test file (every request to Twilio's API answered by it, any
 * other unhandled request a failure), reset before each test.
 */
export function useTwilioSim(): { sim: TwilioSim; server: ReturnType<typeof setupServer> } {
  const sim = new TwilioSim();
  const server = setupServer(...sim.handlers());
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  beforeEach(() => sim.reset());
  return { sim, server };
}
