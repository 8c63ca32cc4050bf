/**
 * The language switch's `next` (GET /lang/:lng?next=...) through the whole app on a real HTTP
 * server (@hono/node-server, so Node's own header checks apply as in production): hostile values
 * always answer 303 to "/" and never 5xx; our own pages are kept; and, for any `next` at all
 * (fast-check), the Location stays on this site as a browser reads it. No store is involved
 * beyond start-up, so this runs on PGlite only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import http from 'node:http';
import { createTestRuntime, type TestRuntime } from '../../helpers/runtime.js';
import { safeNext } from '../../../src/channels/web/forms.js';

let tr: TestRuntime;
let base: string;
beforeAll(async () => {
  tr = await createTestRuntime();
  base = await tr.listen();
});
afterAll(async () => {
  await tr?.close();
});

/**
 * GET /lang/en with `query` as the raw query string, sent as written (no client-side URL parsing)
 * on a connection of its own (a kept-alive one can be closed by the server between two tests of a
 * busy machine); the answer's status and Location.
 */
function switchWith(query: string): Promise<{ status: number; location: string | null }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/lang/en`, { agent: false, path: `/lang/en?${query}` }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location ?? null }));
    });
    req.on('error', reject);
  });
}

/** Where a browser goes with this Location (the WHATWG URL parser drops tabs and newlines and reads "\" as "/"). */
const landsOn = (location: string) => new URL(location, `${base}/lang/en`);

// Values as the server decodes them (sent percent-encoded).
const HOSTILE: [string, string][] = [
  ['tab before a second slash', '/\t/evil.com/x'],
  ['tab between the slashes', '/\t\t/evil.com'],
  ['CR LF', '/\r\n/evil.com'],
  ['header injection', '/status\r\nSet-Cookie: x=1'],
  ['LF alone', '/\n/evil.com'],
  ['NUL', '/\0evil'],
  ['vertical tab', '/\u000bevil'],
  ['form feed', '/\u000cevil'],
  ['DEL', '/\u007fstatus'],
  ['protocol-relative', '//evil.com'],
  ['three slashes', '///evil.com'],
  ['slash backslash', '/\\evil.com'],
  ['backslashes', '\\\\evil.com'],
  ['slash backslash slash', '/\\/evil.com'],
  ['encoded tab (double-encoded)', '/%09/evil.com'],
  ['encoded slashes (double-encoded)', '/%2F%2Fevil.com'],
  ['encoded backslash (double-encoded)', '/%5Cevil.com'],
  ['absolute URL', 'https://evil.com/'],
  ['scheme without slashes', 'http:evil.com'],
  ['javascript', 'javascript:alert(1)'],
  ['dot segments', '/../../evil.com'],
  ['dot then slashes', '/.//evil.com'],
  ['leading space', ' /status'],
  ['empty', ''],
  ['fragment', '/status#x'],
  ['very long', '/' + 'a'.repeat(5000)],
  ['just over the limit', '/' + 'a'.repeat(200)],
  ['full-width solidus', '/／evil.com'],
  ['division slash', '/\u2215evil.com'],
  ['ideographic full stop', '/evil\u3002com'],
  ['zero-width space', '/\u200b/evil.com'],
  ['byte-order mark', '/\ufeff/evil.com'],
  ['right-to-left override', '/\u202emoc.live'],
  ['non-breaking space', '/\u00a0/evil.com'],
  ['ideographic space', '/\u3000/evil.com'],
  ['letter-like', '/ⓔvil'],
];

// Raw query strings, as an attacker writes them into a link (decoded by the server itself).
const RAW: [string, string][] = [
  ['the reported attack', 'next=/%09/evil.com/x'],
  ['encoded slashes', 'next=/%2F%2Fevil.com'],
  ['all encoded', 'next=%2F%2Fevil.com'],
  ['encoded backslash', 'next=/%5Cevil.com'],
  ['NUL', 'next=/%00'],
  ['VT', 'next=/%0B'],
  ['FF', 'next=/%0C'],
  ['CR LF', 'next=/%0D%0ALocation:%20https://evil.com'],
  ['malformed escape', 'next=/%E0%A4%A'],
  ['not an escape', 'next=/%ZZ'],
  ['plus as space', 'next=/+/evil.com'],
  ['next twice', 'next=/status&next=//evil.com'],
];

describe('language switch: where it sends the visitor back', () => {
  it.each(HOSTILE)('sends %s to the home page', async (_name, next) => {
    const r = await switchWith(`next=${encodeURIComponent(next)}`);
    expect(r).toEqual({ status: 303, location: '/' });
  });

  it.each(RAW)('sends a raw query with %s to a page of this site, never 5xx', async (_name, query) => {
    const r = await switchWith(query);
    expect(r.status).toBe(303);
    expect(['/', '/status']).toContain(r.location);
  });

  it('keeps the pages of this site', async () => {
    for (const next of ['/status', '/bundles?cancelled=261100013', '/bundle/done/261100013', '/centres', '/']) {
      expect(await switchWith(`next=${encodeURIComponent(next)}`)).toEqual({ status: 303, location: next });
    }
    expect(await switchWith('')).toEqual({ status: 303, location: '/' });
  });

  it('whatever next is, the answer is a 303 to a page of this site (property)', async () => {
    const hostileUnit = fc.constantFrom('/', '/', '\\', '%', '2', 'F', '5', 'C', '0', '9', 'a', '.', ':', '@', '?', '#', '&', '=', '\t', '\n', '\r', '\0', '\u000b', '\u000c', ' ', 'é', '\u3000', '／', '\u200b', 'e', 'v');
    const next = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: hostileUnit, maxLength: 40 }),
      fc.tuple(fc.constantFrom('/', '//', '/\\', '\\', 'https:', '/%2F', '/status'), fc.string({ unit: hostileUnit, maxLength: 20 })).map(([a, b]) => a + b),
    );
    await fc.assert(
      fc.asyncProperty(next, async (value) => {
        const r = await switchWith(`next=${encodeURIComponent(value)}`);
        expect(r.status).toBe(303);
        expect(r.location).not.toBeNull();
        expect(landsOn(r.location!).origin).toBe(base);
        expect(r.location).toBe(safeNext(value));
      }),
      { numRuns: 300 },
    );
    // Raw query strings: the server's own percent-decoding, malformed escapes included.
    const rawUnit = fc.constantFrom('/', '\\', '%', '%', '0', '2', '5', '9', 'A', 'B', 'C', 'D', 'F', 'E', '.', ':', '@', '&', '=', '+', 'x', 'n', 'e', 't');
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: rawUnit, maxLength: 40 }), async (raw) => {
        const r = await switchWith(`next=${raw}`);
        expect(r.status).toBe(303);
        expect(landsOn(r.location!).origin).toBe(base);
      }),
      { numRuns: 300 },
    );
  });
});
