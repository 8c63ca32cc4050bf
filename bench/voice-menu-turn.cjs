// autocannon setupRequest for `npm run bench:voice` (b): every request is the next turn of one of
// the pooled calls waiting at the main menu, pressing * (repeat), signed like Twilio. CommonJS
// because autocannon's worker threads `require` it. The pool comes from the file in BENCH_VOICE_POOL.
'use strict';
const { createHmac } = require('node:crypto');
const { readFileSync } = require('node:fs');

const pool = JSON.parse(readFileSync(process.env.BENCH_VOICE_POOL, 'utf8'));
let next = 0;

const sign = (url, params) =>
  createHmac('sha1', pool.authToken)
    .update(Buffer.from(Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], url), 'utf-8'))
    .digest('base64');

module.exports = function setupRequest(req) {
  const call = pool.calls[next++ % pool.calls.length];
  const path = `/twilio/voice/turn?n=${call.turn++}&lang=en`;
  const params = { ...call.params, Digits: '*' };
  req.path = path;
  req.method = 'POST';
  req.body = new URLSearchParams(params).toString();
  req.headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': sign(pool.publicBase + path, params),
  };
  return req;
};
