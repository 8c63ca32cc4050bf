/** Typed face of test/helpers/twilio-client.mjs (a plain ESM copy of the shared Twilio-like client). */
// @ts-expect-error: plain ESM helper without types
import * as client from '../../helpers/twilio-client.mjs';

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: (XmlNode | { text: string })[];
}

export interface CallOptions {
  base: string;
  publicBase?: string;
  authToken?: string;
  from: string;
  to: string;
  callSid?: string;
  sign?: boolean;
}

export interface TwilioCall {
  params: Record<string, string>;
  spoken: string[];
  /** What was said since the caller's last input. */
  prompt: string;
  gather: Record<string, string> | null;
  ended: string | null;
  endVerb?: XmlNode;
  responses: { url: string; status: number; type: string | null; body: string }[];
  post(target: string, extra?: Record<string, string>, method?: string): Promise<TwilioCall>;
  press(keys: string): Promise<TwilioCall>;
  speak(text: string, confidence?: string): Promise<TwilioCall>;
  silence(): Promise<TwilioCall>;
  hangup(): Promise<void>;
}

const BaseCall: new (options: CallOptions) => TwilioCall = client.Call;

/**
 * The shared client's call, pressing keys as Twilio reports them: the finish key is left out of
 * Digits and named in FinishedOnKey (so `#` alone is not mistaken for silence).
 */
export class Call extends BaseCall {
  override async press(keys: string): Promise<TwilioCall> {
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
    (this as unknown as { keys: string[] }).keys.push(keys);
    this.prompt = '';
    return this.post(this.gather.action!, { Digits: digits, FinishedOnKey: finishedOnKey }, this.gather.method ?? 'POST');
  }

  override async silence(): Promise<TwilioCall> {
    if (!this.gather) throw new Error('no <Gather> to stay silent in');
    if (this.gather.actionOnEmptyResult !== 'true') return super.silence();
    this.prompt = '';
    return this.post(this.gather.action!, { Digits: '', FinishedOnKey: '' }, this.gather.method ?? 'POST');
  }
}
export const parseXml: (xml: string) => XmlNode = client.parseXml;
export const textOf: (node: XmlNode | { text: string }) => string = client.textOf;
export const twilioSignature: (authToken: string, url: string, params: Record<string, string>) => string =
  client.twilioSignature;
export const totp: (secretBase32: string, options?: { time?: number; step?: number; offset?: number }) => string = client.totp;

/** The elements (not text) among a node's children. */
export const elements = (node: XmlNode): XmlNode[] => node.children.filter((c): c is XmlNode => 'name' in c);
