/**
 * Opens the database: real Postgres from a URL, or embedded PGlite served over a loopback socket
 * (pglite-socket) so that the same postgres.js code serves both.
 */
import postgres from 'postgres';

export type Sql = postgres.Sql<Record<string, never>>;

export interface Database {
  sql: Sql;
  kind: 'embedded' | 'postgres';
  close(): Promise<void>;
}

const common = {
  // Keep Postgres NOTICEs (e.g. "relation already exists, skipping") out of the logs.
  onnotice: () => {},
  // Identifiers and dates come back as JS types; bigint as number is safe for our sizes.
  types: {},
  transform: { undefined: null },
} as const;

export async function openPostgres(url: string, max = 10): Promise<Database> {
  const sql = postgres(url, { ...common, max, idle_timeout: 30, connect_timeout: 10 }) as unknown as Sql;
  await sql`SELECT 1`;
  return { sql, kind: 'postgres', close: () => sql.end({ timeout: 5 }) };
}

/**
 * Embedded PGlite in `dataDir` (`:memory:` keeps nothing). PGlite is one session, so the socket
 * serves one connection and postgres.js's pool is sized to match.
 */
export async function openEmbedded(dataDir: string): Promise<Database> {
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  if (dataDir !== ':memory:') {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dataDir, { recursive: true });
  }
  const db = await PGlite.create(dataDir === ':memory:' ? undefined : dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  const conn = server.getServerConn();
  const sql = postgres(`postgres://postgres@${conn}/postgres`, { ...common, max: 1, ssl: false, idle_timeout: 0 }) as unknown as Sql;
  await sql`SELECT 1`;
  return {
    sql,
    kind: 'embedded',
    close: async () => {
      await sql.end({ timeout: 5 });
      await server.stop();
      await db.close();
    },
  };
}
