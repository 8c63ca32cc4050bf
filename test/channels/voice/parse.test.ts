import { describe, expect, it } from 'vitest';
import { parseVoiceWebhook, voiceEvent } from '../../../src/channels/voice/parse.js';

const SID = 'CA' + 'a'.repeat(32);

describe('voice webhook parsing', () => {
  it('reads the call and its caller', () => {
    const r = parseVoiceWebhook({ CallSid: SID, From: '+85291234567', To: '+85236690000', CallStatus: 'ringing' });
    expect(r).toEqual({
      ok: true,
      call: { callSid: SID, from: '+85291234567', to: '+85236690000', callStatus: 'ringing', digits: null, speech: null },
    });
  });

  it('refuses a webhook without a CallSid, naming the field', () => {
    expect(parseVoiceWebhook({ From: '+85291234567' })).toEqual({ ok: false, field: 'CallSid' });
    expect(parseVoiceWebhook({ CallSid: 'not-a-sid' })).toEqual({ ok: false, field: 'CallSid' });
  });

  it('turns keys into digits, keeping * and #', () => {
    expect(voiceEvent({ digits: '1', speech: null })).toEqual({ type: 'user.digits', digits: '1' });
    expect(voiceEvent({ digits: '*', speech: null })).toEqual({ type: 'user.digits', digits: '*' });
  });

  it('prefers keys over speech', () => {
    expect(voiceEvent({ digits: '2', speech: 'three' })).toEqual({ type: 'user.digits', digits: '2' });
  });

  it('hands speech on as text for the flow to read', () => {
    expect(voiceEvent({ digits: null, speech: 'two six one one' })).toEqual({ type: 'user.text', text: 'two six one one' });
    expect(voiceEvent({ digits: null, speech: 'Yes.' })).toEqual({ type: 'user.text', text: 'Yes.' });
  });

  it('reads # pressed alone from FinishedOnKey, as Twilio sends it', () => {
    const hash = parseVoiceWebhook({ CallSid: SID, Digits: '', FinishedOnKey: '#' });
    expect(hash.ok && voiceEvent(hash.call)).toEqual({ type: 'user.digits', digits: '#' });
    const number = parseVoiceWebhook({ CallSid: SID, Digits: '261100000013', FinishedOnKey: '#' });
    expect(number.ok && voiceEvent(number.call)).toEqual({ type: 'user.digits', digits: '261100000013' });
  });

  it('is silence when the caller gave nothing', () => {
    const r = parseVoiceWebhook({ CallSid: SID, Digits: '', FinishedOnKey: '' });
    expect(r.ok && voiceEvent(r.call)).toEqual({ type: 'user.silence' });
  });
});
