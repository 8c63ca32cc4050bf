// Whole bundling calls for `npm run bench:voice` (c), run in a worker thread so the load generator
// does not share the service's event loop. Every call: the driver calls a bundling line from their
// registered mobile, confirms it is them (1), keys the token code, confirms the only vehicle (1),
// keys two CCRNs, # (no more), 1 (confirm the summary); then Twilio's status callback. Every
// request is signed as Twilio signs it. Plain JS: no build step inside the worker.
import { createHmac } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const { base, authToken, calls, bundlingNumber } = workerData;

const sign = (url, params) =>
  createHmac('sha1', authToken)
    .update(Buffer.from(Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], url), 'utf-8'))
    .digest('base64');

function totp(secretBase32, time = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const bytes = [];
  for (const ch of secretBase32.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 30_000)));
  const h = createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const latencies = [];
const errors = [];
let requests = 0;

async function post(url, params) {
  const started = performance.now();
  const res = await fetch(base + url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(base + url, params) },
    body: new URLSearchParams(params),
  });
  const body = await res.text();
  latencies.push(performance.now() - started);
  requests++;
  return { status: res.status, body };
}

const actionOf = (xml) => {
  const m = /<Gather\b[^>]*\baction="([^"]+)"/.exec(xml);
  return m ? m[1].replace(/&amp;/g, '&') : null;
};

async function oneCall(c) {
  const params = {
    AccountSid: 'AC' + '0'.repeat(32),
    ApiVersion: '2010-04-01',
    CallSid: c.callSid,
    Direction: 'inbound',
    From: c.from,
    To: bundlingNumber,
    Caller: c.from,
    Called: bundlingNumber,
    CallStatus: 'in-progress',
  };
  const steps = [
    () => ({}),
    () => ({ Digits: '1', FinishedOnKey: '' }),
    () => ({ Digits: totp(c.secret), FinishedOnKey: '' }),
    () => ({ Digits: '1', FinishedOnKey: '' }),
    () => ({ Digits: c.ccrns[0], FinishedOnKey: '#' }),
    () => ({ Digits: c.ccrns[1], FinishedOnKey: '#' }),
    () => ({ Digits: '', FinishedOnKey: '#' }),
    () => ({ Digits: '1', FinishedOnKey: '' }),
  ];
  let url = '/twilio/voice';
  for (let i = 0; i < steps.length; i++) {
    const r = await post(url, { ...params, ...steps[i]() });
    if (r.status !== 200) return errors.push(`${c.callSid} step ${i}: HTTP ${r.status}`);
    if (r.body.includes('/twilio/voice/fallback')) return errors.push(`${c.callSid} step ${i}: apology`);
    const next = actionOf(r.body);
    if (!next) return errors.push(`${c.callSid} step ${i}: no <Gather> (${r.body.slice(0, 160)})`);
    url = next.startsWith('http') ? new URL(next).pathname + new URL(next).search : next;
  }
  const end = await post('/twilio/voice/status', { ...params, CallStatus: 'completed', CallDuration: '60' });
  if (end.status !== 204 && end.status !== 200) errors.push(`${c.callSid} status callback: HTTP ${end.status}`);
}

const started = performance.now();
await Promise.all(calls.map((c) => oneCall(c).catch((err) => errors.push(`${c.callSid}: ${err.message}`))));
const ms = performance.now() - started;
parentPort.postMessage({ latencies, errors, requests, ms });
