// Node-only adapters, chosen by the Node composition root (src/runtime.ts, scripts): nothing in src/core, src/flows or src/channels imports them.
/**
 * The transport under the twilio SDK: its documented `httpClient` extension point, on node:http(s)
 * with one keep-alive agent. The SDK still builds every request (paths, parameter names, auth) and
 * reads every answer (JSON, RestException); only the HTTP round trip is ours.
 *
 * Why: the SDK's default client goes through axios and qs, which profiling of `bench:reminders`
 * showed as about a quarter of a reminder worker's CPU per send.
 */
import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';

type RequestOptions = Parameters<twilio.RequestClient['request']>[0];
interface ClientResponse {
  statusCode: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export interface TwilioHttpClientOptions {
  /** Per request, in ms; the SDK's default is 30 s. */
  timeoutMs?: number;
  /**
   * Sends every request for https://*.twilio.com to this origin instead (a fake Twilio on loopback
   * in the benchmark and the crash test). Production leaves it unset.
   */
  apiBase?: string;
}

/** Form or query encoding as Twilio reads it: arrays as repeated keys, no undefined values. */
export function twilioForm(params: unknown): string {
  const out = new URLSearchParams();
  if (params && typeof params === 'object') {
    for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const v of value) out.append(key, String(v));
      else out.append(key, value instanceof Date ? value.toISOString() : String(value));
    }
  }
  return out.toString();
}

const TWILIO_ORIGIN = /^https:\/\/[a-z0-9.-]+\.twilio\.com(?=\/)/i;

export class TwilioHttpClient {
  // Up to 100 sockets per host; idle ones are kept (node unrefs them, so they never hold a process open).
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 100 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 100 }),
  };
  private readonly timeoutMs: number;
  private readonly apiBase: string | undefined;

  constructor(opts: TwilioHttpClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.apiBase = opts.apiBase?.replace(/\/+$/, '');
  }

  request(opts: RequestOptions): Promise<ClientResponse> {
    const target = new URL(this.apiBase ? opts.uri.replace(TWILIO_ORIGIN, this.apiBase) : opts.uri);
    const query = opts.params ? twilioForm(opts.params) : '';
    if (query) target.search = target.search ? `${target.search}&${query}` : query;
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string> | undefined) };
    if (opts.username && opts.password) {
      headers.Authorization = 'Basic ' + Buffer.from(`${opts.username}:${opts.password}`).toString('base64');
    }
    let body: string | undefined;
    if (opts.data !== undefined && opts.data !== null) {
      body = headers['Content-Type'] === 'application/json' ? JSON.stringify(opts.data) : twilioForm(opts.data);
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const timeoutMs = opts.timeout ?? this.timeoutMs;
    const lib = target.protocol === 'http:' ? http : https;
    const agent = target.protocol === 'http:' ? this.agents['http:'] : this.agents['https:'];

    return new Promise<ClientResponse>((resolve, reject) => {
      const req = lib.request(target, { method: opts.method.toUpperCase(), headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`Twilio request timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** A twilio SDK client over TwilioHttpClient; the SDK's own retries stay off (the queue retries). */
export function twilioClient(accountSid: string, authToken: string, opts: TwilioHttpClientOptions = {}): twilio.Twilio {
  return twilio(accountSid, authToken, { httpClient: new TwilioHttpClient(opts) as never, autoRetry: false });
}
