/**
 * The terminal phone: calls the running service as Twilio would (signed form posts to the same
 * routes), prints what the caller would hear and sends the keys you type.
 *
 *   npm run call -- [--from +85262345678] [--to bundling|hotline|+852…] [--base http://127.0.0.1:3000]
 */
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { codeAt } from '../src/core/totp.js';
import { findDemoDriver } from './token-code.js';

const HELP = `
  keys        type digits, * or # and press Enter (e.g. 1, 261100000013#)
  s <words>   say something instead (e.g. "s yes", "s two six one one", "s 係")
  (empty)     stay silent until the question times out
  code        print the current code of the caller's demo token (not sent; type it yourself)
  code <id>   the same for another demo driver number or token serial
  q           hang up
  ?           this help

  The demo token's code also comes from: npm run token-code -- 41000024
`;

interface Options {
  from: string;
  to: string;
  base: string;
  publicBase: string;
  authToken: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: npm run call -- [--from +85262345678] [--to bundling|hotline|+852…] [--base http://127.0.0.1:3000]\n${HELP}`);
    process.exit(0);
  }
  const first = (list: string | undefined, fallback: string) => list?.split(',')[0]?.trim() || fallback;
  const toArg = get('to') ?? 'hotline';
  const to =
    toArg === 'bundling'
      ? first(process.env.BUNDLING_NUMBERS, '+85239023333')
      : toArg === 'hotline'
        ? first(process.env.HOTLINE_NUMBERS, '+85236690000')
        : toArg;
  const base = (get('base') ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/+$/, '');
  return {
    from: get('from') ?? '+85262345678',
    to,
    base,
    // Twilio signs the public URL: when the service has PUBLIC_BASE_URL, sign on it too.
    publicBase: (get('public-base') ?? process.env.PUBLIC_BASE_URL ?? base).replace(/\/+$/, ''),
    authToken: process.env.TWILIO_AUTH_TOKEN || undefined,
  };
}

// A TwiML reader, enough for what the service answers: elements, attributes, text.
interface El {
  name: string;
  attrs: Record<string, string>;
  children: (El | string)[];
}
const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1]!.toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
      : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()]!,
  );
function parseTwiml(xml: string): El {
  const root: El = { name: '#root', attrs: {}, children: [] };
  const stack = [root];
  for (const m of xml.matchAll(/<\?[\s\S]*?\?>|<\/([\w:.-]+)\s*>|<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>|([^<]+)/g)) {
    const top = stack[stack.length - 1]!;
    if (m[1]) stack.pop();
    else if (m[2]) {
      const attrs: Record<string, string> = {};
      for (const a of m[3]!.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) attrs[a[1]!] = decode(a[2]!);
      const el: El = { name: m[2], attrs, children: [] };
      top.children.push(el);
      if (!m[4]) stack.push(el);
    } else if (m[5]?.trim()) top.children.push(decode(m[5]));
  }
  const doc = root.children.find((c): c is El => typeof c !== 'string');
  if (!doc) throw new Error('not TwiML');
  return doc;
}
const text = (el: El): string => el.children.map((c) => (typeof c === 'string' ? c : text(c))).join('').trim();
const els = (el: El) => el.children.filter((c): c is El => typeof c !== 'string');

const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

class TerminalCall {
  private readonly params: Record<string, string>;
  private current: string;
  gather: Record<string, string> | null = null;
  ended: string | null = null;

  constructor(private readonly o: Options) {
    this.params = {
      AccountSid: 'AC' + '0'.repeat(32),
      ApiVersion: '2010-04-01',
      CallSid: 'CA' + randomBytes(16).toString('hex'),
      Direction: 'inbound',
      From: o.from,
      To: o.to,
      Caller: o.from,
      Called: o.to,
      CallStatus: 'ringing',
    };
    this.current = o.publicBase + '/twilio/voice';
  }

  get callSid() {
    return this.params.CallSid!;
  }

  /** Posts to a URL the service gave (absolute on its public base, or relative). */
  async post(target: string, extra: Record<string, string> = {}): Promise<void> {
    const publicUrl = new URL(target, this.current).toString();
    const local = publicUrl.startsWith(this.o.publicBase) ? this.o.base + publicUrl.slice(this.o.publicBase.length) : publicUrl;
    const params = { ...this.params, ...extra };
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (this.o.authToken) headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(this.o.authToken, publicUrl, params);
    const res = await fetch(local, { method: 'POST', headers, body: new URLSearchParams(params) });
    const body = await res.text();
    if (res.status === 204 || !body.trim()) return;
    if (res.status !== 200) {
      this.ended = `the service answered HTTP ${res.status}${res.status === 403 ? ' (signature refused: set TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL as the service has them)' : ''}`;
      return;
    }
    this.current = publicUrl;
    this.params.CallStatus = 'in-progress';
    await this.run(els(parseTwiml(body)));
  }

  private async run(verbs: El[]): Promise<void> {
    this.gather = null;
    for (const v of verbs) {
      if (v.name === 'Say') this.hear(v);
      else if (v.name === 'Gather') {
        for (const s of els(v)) if (s.name === 'Say') this.hear(s);
        this.gather = { ...v.attrs, action: v.attrs.action ?? this.current };
        return;
      } else if (v.name === 'Redirect') return this.post(text(v));
      else if (v.name === 'Dial') {
        this.ended = `transferred: dialling ${text(v)}`;
        return;
      } else if (v.name === 'Enqueue') {
        this.ended = `transferred: waiting in the "${text(v)}" queue for an agent`;
        return;
      } else if (v.name === 'Hangup' || v.name === 'Reject') {
        this.ended = 'the service hung up';
        return;
      }
    }
    this.ended = 'the service hung up';
  }

  private hear(say: El) {
    console.log(`${dim(`[${say.attrs.language ?? '?'}]`)} ${text(say)}`);
  }

  /** What the open <Gather> takes, as a short hint. */
  hint(): string {
    const g = this.gather!;
    const parts = [g.numDigits ? `${g.numDigits} key${g.numDigits === '1' ? '' : 's'}` : 'keys, then #'];
    if ((g.input ?? '').includes('speech')) parts.push('or s <words>');
    parts.push(`${g.timeout ?? 5} s to answer`);
    return parts.join(', ');
  }

  async press(keys: string) {
    const g = this.gather!;
    let digits = keys;
    let finishedOnKey = '';
    const finish = g.finishOnKey ?? '#';
    if (finish && digits.endsWith(finish)) {
      digits = digits.slice(0, -finish.length);
      finishedOnKey = finish;
    }
    const n = Number(g.numDigits);
    if (n && digits.length > n) {
      digits = digits.slice(0, n);
      finishedOnKey = '';
    }
    // As Twilio: the finish key is left out of Digits and named in FinishedOnKey.
    await this.post(g.action!, { Digits: digits, FinishedOnKey: finishedOnKey });
  }

  async speak(words: string) {
    await this.post(this.gather!.action!, { SpeechResult: words, Confidence: '0.9' });
  }

  async silence() {
    await this.post(this.gather!.action!, { Digits: '', FinishedOnKey: '' });
  }

  async hangup(status = 'completed') {
    this.params.CallStatus = status;
    await this.post(this.o.publicBase + '/twilio/voice/status', { CallDuration: '0' }).catch(() => {});
  }
}

function demoCode(id: string): string {
  const d = findDemoDriver(id);
  if (!d) return `no demo token for ${id} (try a driver number such as 41000024)`;
  return `token ${d.token!.serial} of driver ${d.driverNo} shows ${bold(codeAt(d.token!.secretBase32, new Date()))} now`;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const call = new TerminalCall(o);
  console.log(dim(`Calling ${o.to} from ${o.from} via ${o.base}${o.authToken ? ' (signed)' : ' (unsigned: loopback only)'}. Type ? for help.`));
  try {
    await call.post('/twilio/voice');
  } catch (err) {
    console.error(`Cannot reach the service at ${o.base}: ${(err as Error).message}. Start it with npm start.`);
    process.exit(1);
  }
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  while (!call.ended && call.gather) {
    process.stdout.write(dim(`(${call.hint()}) `) + '> ');
    const next = await lines.next();
    if (next.done) {
      console.log();
      await call.hangup();
      console.log(dim('You hung up.'));
      rl.close();
      return;
    }
    const line = next.value.trim();
    if (!process.stdin.isTTY) console.log(line); // keys piped in: show them as if typed
    if (line === '?' || line === 'help') {
      console.log(HELP);
      continue;
    }
    if (line === 'q' || line === 'quit' || line === 'hangup') {
      await call.hangup();
      console.log(dim('You hung up.'));
      rl.close();
      return;
    }
    if (line === 'code' || line.startsWith('code ')) {
      console.log(dim(demoCode(line.slice(4).trim() || o.from)));
      continue;
    }
    if (line === '') await call.silence();
    else if (/^s\s+/.test(line)) await call.speak(line.replace(/^s\s+/, ''));
    else if (/^[0-9*#\s]+$/.test(line)) await call.press(line.replace(/\s+/g, ''));
    else {
      console.log(dim('Type keys (0-9 * #), s <words>, an empty line for silence, or ? for help.'));
      continue;
    }
  }
  console.log(dim(`Call ended: ${call.ended ?? 'the service hung up'}.`));
  await call.hangup();
  rl.close();
}

await main();
