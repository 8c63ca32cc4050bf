/**
 * Prints the current code of a demo security token, as its holder would read it off the token:
 * `npm run token-code -- 41000024` (driver number) or `npm run token-code -- T00010002` (serial).
 * Demo data only (src/db/demo-seed.json): real tokens' secrets never leave the database.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../src/db/paths.js';
import { STEP_SECONDS, codeAt } from '../src/core/totp.js';

interface SeedDriver {
  driverNo: string;
  nameEn: string;
  mobile: string | null;
  token?: { serial: string; secretBase32: string; status: string; expiresOn?: string; expiresInDays?: number };
}

export function demoTokens(): SeedDriver[] {
  const seed = JSON.parse(readFileSync(join(projectRoot(), 'src', 'db', 'demo-seed.json'), 'utf8')) as { drivers: SeedDriver[] };
  return seed.drivers.filter((d) => d.token);
}

/** The demo driver whose driver number, token serial or mobile this is. */
export function findDemoDriver(id: string): SeedDriver | undefined {
  const wanted = id.trim().toUpperCase();
  return demoTokens().find((d) => d.driverNo === wanted || d.token!.serial === wanted || d.mobile === id.trim());
}

function main() {
  const id = process.argv[2];
  const drivers = demoTokens();
  if (!id || id === '--help' || id === '-h') {
    console.log('usage: npm run token-code -- <driverNo | token serial>\n\ndemo tokens:');
    for (const d of drivers) console.log(`  ${d.driverNo}  ${d.token!.serial}  ${d.nameEn}  (${d.token!.status})`);
    process.exit(id ? 0 : 1);
  }
  const driver = findDemoDriver(id);
  if (!driver) {
    console.error(`no demo token for "${id}"; demo drivers: ${drivers.map((d) => d.driverNo).join(', ')}`);
    process.exit(1);
  }
  const now = new Date();
  const left = STEP_SECONDS - (Math.floor(now.getTime() / 1000) % STEP_SECONDS);
  console.log(codeAt(driver.token!.secretBase32, now));
  const notes = [`driver ${driver.driverNo}, token ${driver.token!.serial}`, `changes in ${left} s`];
  if (driver.token!.status !== 'active') notes.push(`the demo token starts ${driver.token!.status}`);
  if (driver.token!.expiresOn) notes.push(`expires ${driver.token!.expiresOn}`);
  console.error(notes.join('; '));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
