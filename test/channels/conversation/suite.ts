/**
 * One conversation suite for every conversation channel: consignment status, registration status,
 * a refusal, and bundling two CCRNs with a refusal on the way, each as a user of that channel
 * would hold it (the channel's own talker sends and reads). A channel that passes it is a channel.
 */
import { expect, it } from 'vitest';
import type { Sql } from '../../../src/db/connect.js';
import { codeAt } from '../../../src/core/totp.js';
import { DEMO_DRIVERS as DEMO } from '../../helpers/demo.js';

/** One user of a channel: what they heard after starting, and after each answer. */
export interface Talker {
  start(): Promise<string>;
  send(input: string): Promise<string>;
}

export interface ChannelUnderTest {
  /** A user writing or calling from `from` (E.164). */
  talker(from: string): Talker;
  sql: Sql;
}

const CCRN = { in1: '261100000013', in2: '261100000021', crossed: '261100000059', typo: '261100000012' };

export function conversationSuite(get: () => ChannelUnderTest, strangers: string[]): void {
  let next = 0;
  const stranger = () => get().talker(strangers[next++ % strangers.length]!);

  /** At the main menu in English, whether the channel asked the language first or knew it. */
  async function atMain(t: Talker): Promise<void> {
    let heard = await t.start();
    if (!/Main menu/i.test(heard)) heard = await t.send('3');
    expect(heard).toMatch(/Main menu/i);
  }

  it('tells a consignment status', async () => {
    const t = stranger();
    await atMain(t);
    expect(await t.send('2')).toMatch(/12-digit CCRN/);
    expect(await t.send(CCRN.in1)).toMatch(/CCRN 2\s?6\s?1\s?1.*not yet bundled/is);
  });

  it('tells a registration status', async () => {
    const t = stranger();
    await atMain(t);
    expect(await t.send('3')).toMatch(/10-digit/);
    expect(await t.send('2026110012')).toMatch(/visit/i);
  });

  it('says which number to key again when its check digit is wrong', async () => {
    const t = stranger();
    await atMain(t);
    await t.send('2');
    expect(await t.send(CCRN.typo)).toMatch(/does not check out: a digit may be wrong/);
  });

  it('bundles two CCRNs for the demo driver, explaining a refusal on the way', async () => {
    const t = get().talker(DEMO.lee.mobile);
    await atMain(t);
    await t.send('1');
    let heard = await t.send('1');
    // However the channel knows the sender: caller ID to confirm, a driver number to give, or neither.
    for (let i = 0; i < 3 && !/6-digit code/.test(heard); i++) {
      if (/ends in/.test(heard)) heard = await t.send('1');
      else if (/8-digit driver number/.test(heard)) heard = await t.send(DEMO.lee.driverNo);
    }
    expect(heard).toMatch(/6-digit code/);
    expect(await t.send(codeAt(DEMO.lee.secret, new Date()))).toMatch(/Which vehicle/);
    expect(await t.send('1')).toMatch(/12-digit CCRN/);
    await t.send(CCRN.in1);
    expect(await t.send(CCRN.crossed)).toMatch(/crossed/i);
    await t.send(CCRN.in2);
    expect(await t.send('#')).toMatch(/Consignments to bundle with vehicle C ?D ?5 ?6 ?7 ?8: 2/);
    expect(await t.send('1')).toMatch(/bundle reference is/i);
    const rows = await get().sql<{ status: string }[]>`SELECT status FROM consignments WHERE ccrn IN (${CCRN.in1}, ${CCRN.in2})`;
    expect(rows.map((r) => r.status)).toEqual(['bundled', 'bundled']);
  });
}
