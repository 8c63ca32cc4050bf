// Copy of shared/check/twilio-client.mjs (ROCARS shared material, 2026-11-26), kept so tests pass on a clone without ../shared.
// Drives the service as Twilio would: signed form posts, TwiML read verb by verb, <Gather action>
// and <Redirect> followed. No dependencies beyond Node.js 20.
import { createHmac } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** X-Twilio-Signature: HMAC-SHA1 over the full public URL plus the sorted POST params, base64. */
export function twilioSignature(authToken, url, params) {
  const data = Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

/** RFC 6238 code for a base32 secret (SHA-1, 6 digits, 30 s step by default). */
export function totp(secretBase32, { time = Date.now(), step = 30, digits = 6, offset = 0 } = {}) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0; const bytes = [];
  for (const ch of secretBase32.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch); bits += 5;
    if (bits >= 8) { bytes.push((value >>> (bits - 8)) & 255); bits -= 8; }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 1000 / step) + offset));
  const h = createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 10 ** digits).padStart(digits, '0');
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s) => s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e) =>
  e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : +e.slice(1)) : ENTITIES[e] ?? m);

/** A small XML reader, enough for TwiML: elements, attributes, text, CDATA. Throws on bad nesting. */
export function parseXml(xml) {
  const root = { name: '#root', attrs: {}, children: [] };
  const stack = [root];
  const re = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<\/([\w:.-]+)\s*>|<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const m of xml.matchAll(re)) {
    const top = stack[stack.length - 1];
    if (m[7]) throw new Error('stray < in XML');
    if (m[1] !== undefined) top.children.push({ text: m[1] });
    else if (m[2]) {
      const closed = stack.pop();
      if (!closed || closed.name !== m[2]) throw new Error(`mismatched </${m[2]}>`);
    } else if (m[3]) {
      const attrs = {};
      for (const a of m[4].matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]] = decode(a[2] ?? a[3]);
      const el = { name: m[3], attrs, children: [] };
      top.children.push(el);
      if (!m[5]) stack.push(el);
    } else if (m[6] !== undefined && m[6].trim()) top.children.push({ text: decode(m[6]) });
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  const doc = root.children.filter((c) => c.name);
  if (doc.length !== 1) throw new Error('XML needs exactly one root element');
  return doc[0];
}

export const textOf = (node) => node.text !== undefined ? node.text
  : node.children.map(textOf).join(node.name === 'break' ? ' ' : '').replace(/\s+/g, ' ').trim();

const callParams = (p) => ({ AccountSid: 'AC' + '0'.repeat(32), ApiVersion: '2010-04-01', Direction: 'inbound', ...p });

/** One phone call. `spoken` collects every <Say>; `prompt` holds what was said since the caller's last input
 *  (across any <Redirect>s the service answered with). */
export class Call {
  constructor({ base, publicBase = base, authToken, from, to, callSid, sign = true }) {
    Object.assign(this, { base, publicBase, authToken, sign });
    this.params = callParams({ CallSid: callSid ?? 'CA' + Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32),
      From: from, To: to, Caller: from, Called: to, CallStatus: 'ringing' });
    this.spoken = []; this.prompt = ''; this.gather = null; this.after = []; this.ended = null;
    this.responses = []; this.url = null; this.keys = [];
  }

  toPublic(url) { return url.startsWith(this.base) ? this.publicBase + url.slice(this.base.length) : url; }
  toLocal(url) { return url.startsWith(this.publicBase) ? this.base + url.slice(this.publicBase.length) : url; }

  async post(target, extra = {}, method = 'POST') {
    const publicUrl = this.toPublic(new URL(target, this.url ? this.toPublic(this.url) : this.publicBase).toString());
    const params = { ...this.params, ...extra };
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    let local = this.toLocal(publicUrl), init;
    if (method.toUpperCase() === 'GET') {
      const u = new URL(local); for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      local = u.toString();
      if (this.sign) headers['x-twilio-signature'] = twilioSignature(this.authToken, this.toPublic(local), {});
      init = { method: 'GET', headers };
    } else {
      if (this.sign) headers['x-twilio-signature'] = twilioSignature(this.authToken, publicUrl, params);
      init = { method: 'POST', headers, body: new URLSearchParams(params) };
    }
    const res = await fetch(local, init);
    const body = await res.text();
    this.responses.push({ url: publicUrl, status: res.status, type: res.headers.get('content-type'), body });
    if (res.status !== 200) { this.ended = `http ${res.status}`; return this; }
    this.url = local;
    this.params.CallStatus = 'in-progress';
    return this.run(parseXml(body).children);
  }

  async run(verbs) {
    this.gather = null; this.after = [];
    for (let i = 0; i < verbs.length; i++) {
      const v = verbs[i];
      if (!v.name) continue;
      if (v.name === 'Say' || v.name === 'Play') this.hear(v.name === 'Say' ? textOf(v) : '[audio]');
      else if (v.name === 'Gather') {
        for (const c of v.children) if (c.name === 'Say') this.hear(textOf(c));
        this.gather = { ...v.attrs, action: v.attrs.action ?? this.toPublic(this.url) };
        this.after = verbs.slice(i + 1);
        return this;
      } else if (v.name === 'Redirect') {
        if (this.responses.length > 60) throw new Error('redirect loop');
        return this.post(textOf(v), {}, v.attrs.method ?? 'POST');
      } else if (['Hangup', 'Reject', 'Dial', 'Enqueue', 'Connect'].includes(v.name)) {
        this.ended = v.name.toLowerCase(); this.endVerb = v; return this;
      }
    }
    this.ended = 'hangup';
    return this;
  }

  hear(text) { this.spoken.push(text); this.prompt += (this.prompt ? ' ' : '') + text; }

  /** Keys as a caller presses them; a trailing finishOnKey ends the entry and is not sent. */
  async press(keys) {
    if (!this.gather) throw new Error(`no <Gather> to press ${keys} into (call ${this.ended ?? 'active'})`);
    const finish = this.gather.finishOnKey ?? '#';
    let digits = keys;
    if (finish && digits.endsWith(finish)) digits = digits.slice(0, -finish.length);
    const n = Number(this.gather.numDigits);
    if (n && digits.length > n) digits = digits.slice(0, n);
    this.keys.push(keys);
    this.prompt = '';
    return this.post(this.gather.action, { Digits: digits }, this.gather.method ?? 'POST');
  }

  async speak(text, confidence = '0.92') {
    if (!this.gather) throw new Error('no <Gather> to speak into');
    this.prompt = '';
    return this.post(this.gather.action, { SpeechResult: text, Confidence: confidence }, this.gather.method ?? 'POST');
  }

  /** The caller says nothing until the <Gather> times out. */
  async silence() {
    if (!this.gather) throw new Error('no <Gather> to stay silent in');
    this.prompt = '';
    if (this.gather.actionOnEmptyResult === 'true') return this.post(this.gather.action, {}, this.gather.method ?? 'POST');
    return this.run(this.after);
  }

  async hangup() {
    this.ended = 'caller hung up';
  }
}

/** One inbound SMS; returns the texts of the <Message> replies. */
export async function sms({ base, publicBase = base, authToken, from, to, body, path = '/twilio/sms', extra = {}, sign = true }) {
  const url = publicBase + path;
  const params = { AccountSid: 'AC' + '0'.repeat(32), ApiVersion: '2010-04-01', MessageSid: 'SM' + Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32),
    SmsStatus: 'received', NumMedia: '0', NumSegments: '1', From: from, To: to, Body: body, ...extra };
  params.SmsSid = params.MessageSid; params.SmsMessageSid = params.MessageSid;
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (sign) headers['x-twilio-signature'] = twilioSignature(authToken, url, params);
  const res = await fetch(base + path, { method: 'POST', headers, body: new URLSearchParams(params) });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, type: res.headers.get('content-type'), body: text, messages: [] };
  const doc = text.trim() ? parseXml(text) : { children: [] };
  const messages = doc.children.filter((c) => c.name === 'Message').map((m) => {
    const b = m.children.find((c) => c.name === 'Body');
    return textOf(b ?? m);
  });
  return { status: res.status, type: res.headers.get('content-type'), body: text, messages };
}

export const freePort = () => new Promise((resolve, reject) => {
  const s = createServer(); s.unref(); s.on('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** Starts `npm start` in `cwd` on a free loopback port and waits for GET /health. */
export async function startService({ cwd, env = {}, timeoutMs = 90_000, command = ['npm', 'start'] }) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(command[0], command.slice(1), { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', ...env } });
  let logs = '';
  child.stdout.on('data', (d) => { logs += d; }); child.stderr.on('data', (d) => { logs += d; });
  const started = Date.now();
  const stop = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ } };
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw Object.assign(new Error(`service exited with ${child.exitCode}`), { logs });
    try {
      const r = await fetch(base + '/health');
      if (r.status === 200) return { base, port, child, stop, logs: () => logs, startMs: Date.now() - started, health: await r.json() };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  throw Object.assign(new Error(`no /health within ${timeoutMs} ms`), { logs });
}
