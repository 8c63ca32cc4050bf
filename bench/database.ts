/** A database of its own for a benchmark: a fresh one on the server named by DATABASE_URL or TEST_DATABASE_URL, dropped afterwards; none (embedded PGlite) without either. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export async function benchDatabase(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  const server = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (!server) return { url: undefined, drop: async () => {} };
  const name = 'bench_' + randomBytes(5).toString('hex');
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(server);
  u.pathname = '/' + name;
  return {
    url: u.toString(),
    drop: async () => {
      const a = postgres(server, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await a.end();
    },
  };
}
