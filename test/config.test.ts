import { describe, expect, it } from 'vitest';
import { ConfigError, hasTwilioCredentials, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('needs nothing: with no variable at all it describes the embedded default', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.DATA_DIR).toBe('.data');
    expect(c.HOTLINE_NUMBERS).toEqual(['+85236690000']);
    expect(c.BUNDLING_NUMBERS).toEqual(['+85239023333', '+85231532265']);
    expect(c.RETENTION_DAYS).toBe(90);
    expect(hasTwilioCredentials(c)).toBe(false);
  });

  it.each(['production', 'development', 'test'])('starts the same with NODE_ENV=%s', (NODE_ENV) => {
    expect(loadConfig({ NODE_ENV }).DATA_DIR).toBe('.data');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(3000);
  });

  it('lists every malformed variable in one message', () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        HOTLINE_NUMBERS: '+85236690000,12',
        AGENT_NUMBER: 'call me',
        RETENTION_DAYS: '-1',
        LOG_LEVEL: 'loud',
        TWILIO_ACCOUNT_SID: 'XX1',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'HOTLINE_NUMBERS', 'AGENT_NUMBER', 'RETENTION_DAYS', 'LOG_LEVEL', 'TWILIO_ACCOUNT_SID']) {
      expect(msg).toContain(name);
    }
    expect((err as ConfigError).problems).toHaveLength(7);
  });

  it('normalises phone numbers to E.164', () => {
    const c = loadConfig({ AGENT_NUMBER: '+852 3669 0000', HOTLINE_NUMBERS: '+852 3669 0000, +85239023333' });
    expect(c.AGENT_NUMBER).toBe('+85236690000');
    expect(c.HOTLINE_NUMBERS).toEqual(['+85236690000', '+85239023333']);
  });

  it('trusts no proxy by default, and takes 0 to 10 trusted proxy hops', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    for (const bad of ['yes', '-1', '1.5', '11', '100']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY: must be .*whole number from 0 to 10/);
    }
  });

  it('refuses a sender number without the credentials to use it', () => {
    expect(() => loadConfig({ TWILIO_FROM_NUMBER: '+85236690000' })).toThrow(/TWILIO_FROM_NUMBER/);
  });
});

describe('.env.example', () => {
  it('documents every variable, and its examples are themselves valid', async () => {
    const { readFileSync } = await import('node:fs');
    const { CONFIG_KEYS } = await import('../src/config.js');
    const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const env = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    for (const key of CONFIG_KEYS) expect(Object.keys(env), key).toContain(key);
    expect(() => loadConfig(env)).not.toThrow();
  });
});
