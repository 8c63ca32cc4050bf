/**
 * Opens the database: real Postgres from a URL, or embedded PGlite served over a loopback socket
 * (pglite-socket) so that the same postgres.js code serves both.
 */
import postgres from 'postgres';

export type Sql = postgres.Sql<Record<string, never>>;

export interface Database {
  sql: Sql;
  /**
   * The pool of the interactive voice path (hotline and reminder call turns): on Postgres a small
   * pool of its own, so that queries hung on a lock elsewhere (web form, SMS, APIs, status
   * callbacks, reminder workers) cannot hold every connection, nor block voice queries pipelined
   * behind them on a shared one. On the embedded database (one connection) it is `sql` itself.
   */
  voice: Sql;
  kind: 'embedded' | 'postgres';
  close(): Promise<void>;
}

/** Deadlines every Postgres connection starts with (README, "Deadlines"). */
export interface DbTimeouts {
  /** statement_timeout: a statement running longer is cancelled (0 = none). */
  statementTimeoutMs: number;
  /** lock_timeout: a statement waiting longer for a lock is cancelled (0 = none). */
  lockTimeoutMs: number;
}

export const DEFAULT_DB_TIMEOUTS: DbTimeouts = { statementTimeoutMs: 5_000, lockTimeoutMs: 2_000 };
/** Connections of the voice pool (`Database.voice`) unless told otherwise; 0 shares the main pool. */
export const DEFAULT_VOICE_POOL = 5;

export interface PostgresOptions extends Partial<DbTimeouts> {
  /** Connections of the voice pool; 0 shares the main pool. Default DEFAULT_VOICE_POOL. */
  voicePool?: number;
}

/** The pool options of a configuration (DB_STATEMENT_TIMEOUT_MS, DB_LOCK_TIMEOUT_MS, DB_VOICE_POOL_SIZE). */
export const postgresOptions = (c: {
  DB_STATEMENT_TIMEOUT_MS: number;
  DB_LOCK_TIMEOUT_MS: number;
  DB_VOICE_POOL_SIZE: number;
}): PostgresOptions => ({ statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS, lockTimeoutMs: c.DB_LOCK_TIMEOUT_MS, voicePool: c.DB_VOICE_POOL_SIZE });

const common = {
  // Keep Postgres NOTICEs (e.g. "relation already exists, skipping") out of the logs.
  onnotice: () => {},
  // Identifiers and dates come back as JS types; bigint as number is safe for our sizes.
  types: {},
  transform: { undefined: null },
} as const;

export async function openPostgres(url: string, max = 10, options: PostgresOptions = {}): Promise<Database> {
  const { statementTimeoutMs, lockTimeoutMs } = { ...DEFAULT_DB_TIMEOUTS, ...definedOnly(options) };
  const voicePool = options.voicePool ?? DEFAULT_VOICE_POOL;
  // Sent in the startup message, so every connection (and every reconnection) has them; a
  // transaction that needs longer sets its own with SET LOCAL (migrations, the seed). postgres.js
  // leaves a 0 out, which keeps the server's own setting.
  const connection = { statement_timeout: statementTimeoutMs, lock_timeout: lockTimeoutMs };
  const open = (size: number) => postgres(url, { ...common, max: size, idle_timeout: 30, connect_timeout: 10, connection }) as unknown as Sql;
  const sql = open(max);
  // Connections open on first use: a process that never takes a voice turn (a worker) opens none.
  const voice = voicePool > 0 ? open(voicePool) : sql;
  try {
    await sql`SELECT 1`;
  } catch (err) {
    await Promise.all([sql.end({ timeout: 0 }), voice !== sql && voice.end({ timeout: 0 })]);
    throw err;
  }
  return {
    sql,
    voice,
    kind: 'postgres',
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), voice !== sql ? voice.end({ timeout: 5 }) : null]);
    },
  };
}

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * Embedded PGlite in `dataDir` (`:memory:` keeps nothing). PGlite is one session, so the socket
 * serves one connection and postgres.js's pool is sized to match; there is no voice pool apart.
 * No statement or lock timeout either: PGlite ignores startup parameters, and although it accepts
 * `SET statement_timeout` it cannot enforce it (a statement runs to its end on the event loop's
 * own thread, WASM with no timer interrupt); with one session there is no lock to wait for.
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
    voice: sql,
    kind: 'embedded',
    close: async () => {
      await sql.end({ timeout: 5 });
      await server.stop();
      await db.close();
    },
  };
}
