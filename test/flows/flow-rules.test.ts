/**
 * Rules of the flow machines (issue 12): they say messages, never text (no i18n: channels render),
 * they decide on capabilities, never on a channel's name, and no file in src/flows is over 400 lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '..', '..', 'src', 'flows');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
const code = (f: string) =>
  readFileSync(join(dir, f), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');

describe('src/flows', () => {
  it.each(files)('%s does not import i18n', (f) => {
    expect(code(f)).not.toMatch(/from\s+'[./]*i18n(\.js)?'/);
  });

  // The runner's default session lifetime is per channel (a call lasts longer than a chat); the
  // machines themselves never look at the channel's name.
  it.each(files.filter((f) => f !== 'runner.ts'))('%s does not decide on a channel name', (f) => {
    expect(code(f)).not.toMatch(/channel\s*[!=]==|[!=]==\s*'(voice|sms|web|line|reminder)'|'(voice|sms|web|line)'\s*[!=]==/);
  });

  it.each(files)('%s has at most 400 lines', (f) => {
    expect(readFileSync(join(dir, f), 'utf8').split('\n').length).toBeLessThanOrEqual(400);
  });
});
