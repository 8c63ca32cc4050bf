/** The shared Twilio-like client (test/helpers/twilio-client.mjs, typed by its .d.mts) as the voice tests use it. */
import { Call as BaseCall, type XmlNode } from '../../helpers/twilio-client.mjs';

export { parseXml, textOf, totp, twilioSignature, type CallOptions, type XmlNode } from '../../helpers/twilio-client.mjs';

/** A call as the tests hold it (any subclass of the shared client's Call). */
export type TwilioCall = BaseCall;

/**
 * The shared client's call, pressing keys as Twilio reports them: the finish key is left out of
 * Digits and named in FinishedOnKey (so `#` alone is not mistaken for silence).
 */
export class Call extends BaseCall {
  override async press(keys: string): Promise<this> {
    if (!this.gather) throw new Error(`no <Gather> to press ${keys} into (call ${this.ended ?? 'active'})`);
    const finish = this.gather.finishOnKey ?? '#';
    let digits = keys;
    let finishedOnKey = '';
    if (finish && digits.endsWith(finish)) {
      digits = digits.slice(0, -finish.length);
      finishedOnKey = finish;
    }
    const n = Number(this.gather.numDigits);
    if (n && digits.length > n) {
      digits = digits.slice(0, n);
      finishedOnKey = '';
    }
    this.keys.push(keys);
    this.prompt = '';
    return this.post(this.gather.action!, { Digits: digits, FinishedOnKey: finishedOnKey }, this.gather.method ?? 'POST');
  }

  override async silence(): Promise<this> {
    if (!this.gather) throw new Error('no <Gather> to stay silent in');
    if (this.gather.actionOnEmptyResult !== 'true') return super.silence();
    this.prompt = '';
    return this.post(this.gather.action!, { Digits: '', FinishedOnKey: '' }, this.gather.method ?? 'POST');
  }
}

/** The elements (not text) among a node's children. */
export const elements = (node: XmlNode): XmlNode[] => node.children.filter((c): c is XmlNode => 'name' in c);
