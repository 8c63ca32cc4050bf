/** Types for twilio-client.mjs (the verbatim copy of the shared Twilio-like test client). */
import type { ChildProcess } from 'node:child_process';

/** An element of a parsed XML document. */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: (XmlNode | { text: string })[];
}

/** X-Twilio-Signature: HMAC-SHA1 over the full public URL plus the sorted POST params, base64. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string;

/** RFC 6238 code for a base32 secret (SHA-1, 6 digits, 30 s step by default). */
export function totp(
  secretBase32: string,
  options?: { time?: number; step?: number; digits?: number; offset?: number },
): string;

/** A small XML reader, enough for TwiML: elements, attributes, text, CDATA. Throws on bad nesting. */
export function parseXml(xml: string): XmlNode;

export const textOf: (node: XmlNode | { text: string }) => string;

export interface CallOptions {
  base: string;
  publicBase?: string;
  authToken?: string;
  from: string;
  to: string;
  callSid?: string;
  sign?: boolean;
}

/** One phone call. `spoken` collects every <Say>; `prompt` holds what was said since the caller's last input. */
export class Call {
  constructor(options: CallOptions);
  base: string;
  publicBase: string;
  authToken: string | undefined;
  sign: boolean;
  params: Record<string, string>;
  spoken: string[];
  /** What was said since the caller's last input. */
  prompt: string;
  gather: Record<string, string> | null;
  after: XmlNode[];
  ended: string | null;
  endVerb?: XmlNode;
  responses: { url: string; status: number; type: string | null; body: string }[];
  url: string | null;
  keys: string[];
  toPublic(url: string): string;
  toLocal(url: string): string;
  post(target: string, extra?: Record<string, string>, method?: string): Promise<this>;
  run(verbs: (XmlNode | { text: string })[]): Promise<this>;
  hear(text: string): void;
  /** Keys as a caller presses them; a trailing finishOnKey ends the entry and is not sent. */
  press(keys: string): Promise<this>;
  speak(text: string, confidence?: string): Promise<this>;
  /** The caller says nothing until the <Gather> times out. */
  silence(): Promise<this>;
  hangup(): Promise<void>;
}

/** One inbound SMS; returns the texts of the <Message> replies. */
export function sms(options: {
  base: string;
  publicBase?: string;
  authToken?: string;
  from: string;
  to: string;
  body: string;
  path?: string;
  extra?: Record<string, string>;
  sign?: boolean;
}): Promise<{ status: number; type: string | null; body: string; messages: string[] }>;

export function freePort(): Promise<number>;

/** Starts `npm start` in `cwd` on a free loopback port and waits for GET /health. */
export function startService(options: {
  cwd: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  command?: string[];
}): Promise<{
  base: string;
  port: number;
  child: ChildProcess;
  stop(): void;
  logs(): string;
  startMs: number;
  health: Record<string, unknown>;
}>;
