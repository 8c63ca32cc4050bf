/**
 * TwiML structure check: every document validated with xmllint-wasm against the project's copy of
 * TwiML.xsd (test/fixtures/twiml). Any schema error fails the test with the document quoted.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateXML } from 'xmllint-wasm';

const xsd = readFileSync(fileURLToPath(new URL('../fixtures/twiml/TwiML.xsd', import.meta.url)), 'utf8');

/** Schema errors of each document (empty when all are valid). One xmllint run for the whole batch. */
export async function twimlErrors(docs: string[]): Promise<string[]> {
  if (docs.length === 0) return [];
  const result = await validateXML({
    xml: docs.map((contents, i) => ({ fileName: `twiml-${i}.xml`, contents })),
    schema: [xsd],
  });
  if (result.valid) return [];
  return result.errors.map((e) => {
    const i = e.loc ? Number(/twiml-(\d+)\.xml/.exec(e.loc.fileName)?.[1]) : NaN;
    return `${e.message}${Number.isNaN(i) ? '' : `\n  in: ${docs[i]}`}`;
  });
}

/** Fails unless every document is valid TwiML (and there is at least one). */
export async function expectValidTwiml(docs: string | string[]): Promise<void> {
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length === 0) throw new Error('no TwiML to validate');
  const errors = await twimlErrors(list);
  if (errors.length) throw new Error(`TwiML schema errors:\n${errors.join('\n')}`);
}

/** The TwiML bodies a twilio-client Call received (200 answers only). */
export const callTwiml = (call: { responses: { status: number; body: string }[] }): string[] =>
  call.responses.filter((r) => r.status === 200 && r.body.trim()).map((r) => r.body);
