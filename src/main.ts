/** Node entry point: read the configuration once, wire the runtime, serve. */
import { serve } from '@hono/node-server';
import { ConfigError, loadConfig } from './config.js';
import { createApp } from './app.js';
import { createRuntime } from './runtime.js';
import { startReminders } from './reminders/index.js';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const rt = await createRuntime(config);
  // Reminder campaigns: BullMQ workers are `npm run worker`; without Redis this process runs the queue.
  const reminders = await startReminders(rt);
  const app = createApp(rt);
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    rt.logger.info(
      {
        port: info.port,
        host: config.HOST,
        database: rt.db.kind,
        sessions: rt.sessions.kind,
        unsignedWebhooks: rt.unsignedWebhooks,
      },
      `ROCARS channels listening on http://${config.HOST}:${info.port}`,
    );
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.logger.info({ signal }, 'shutting down');
    server.close();
    await reminders.stop();
    await rt.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error('start-up failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
