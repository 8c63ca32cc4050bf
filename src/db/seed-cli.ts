/**
 * `npm run seed`: loads the demo seed into DATABASE_URL, or into the embedded database in DATA_DIR
 * (stop the service first: an embedded database has one user at a time). Existing records stay.
 */
import { loadConfig } from '../config.js';
import { openEmbedded, openPostgres, postgresOptions } from './connect.js';
import { migrate } from './migrate.js';
import { seedDemo } from './seed.js';

const config = loadConfig();
const db = config.DATABASE_URL ? await openPostgres(config.DATABASE_URL, 2, { ...postgresOptions(config), voicePool: 0 }) : await openEmbedded(config.DATA_DIR);
try {
  await migrate(db.sql);
  await seedDemo(db.sql, new Date(), { force: true });
  const where = config.DATABASE_URL ? new URL(config.DATABASE_URL).host + new URL(config.DATABASE_URL).pathname : config.DATA_DIR;
  console.log(`Demo seed loaded into ${db.kind} database (${where}); records already there were left as they were.`);
} catch (err) {
  console.error('Seeding failed:', err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  await db.close();
}
