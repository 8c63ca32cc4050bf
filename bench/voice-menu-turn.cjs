// autocannon setupRequest for `npm run bench:voice` (b): every request is the next turn of one of
// the pooled calls waiting at the main menu, pressing * (repeat), signed like Twilio (the pool's
// `route`, when set, is the path instead of the turn URL: the --parts runs). CommonJS
// because autocannon's worker threads `require` it. The pool comes from the file in BENCH_VOICE_POOL.
// A call's form body is the same at every turn, so it is encoded once; only the URL (the turn
// number) changes, so each request still gets its own HMAC, as Twilio's would.
'use strict';
const { createHmac } = require('node:crypto');
const { readFileSync } = require('node:fs');

const pool = JSON.parse(readFileSync(process.env.BENCH_VOICE_POOL, 'utf8'));
const route = pool.route || '/twilio/voice/turn';
const calls = pool.calls.map((call) => {
  const params = { ...call.params, Digits: '*' };
  return {
    turn: call.turn,
    body: new URLSearchParams(params).toString(),
    // What Twilio appends to the URL before signing: each parameter's name and value, sorted by name.
    signed: Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], ''),
  };
});
let next = 0;

module.exports = function setupRequest(req) {
  const call = calls[next++ % calls.length];
  const path = `${route}?n=${call.turn++}&lang=en`;
  req.path = path;
  req.method = 'POST';
  req.body = call.body;
  req.headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': createHmac('sha1', pool.authToken).update(pool.publicBase + path + call.signed, 'utf-8').digest('base64'),
  };
  return req;
};
