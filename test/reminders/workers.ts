/** Starts loopback-worker.ts as a child process (crash test, benchmark). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ACCOUNT_SID, AUTH_TOKEN, FROM } from './fake-twilio.js';

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the worker consumes the queue. */
  ready: Promise<void>;
  /** Everything it printed (for a failing test's message). */
  output(): string;
  /** Asks it to stop (SIGTERM) and resolves with its peak RSS in MB. */
  stop(): Promise<number | null>;
  /** CPU time it used (ms), once stopped. */
  cpuMs(): number | null;
  /** SIGKILL: the process dies mid-work, as a crashed machine would. */
  kill(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./loopback-worker.ts', import.meta.url));

/** What every loopback worker is told: the fake provider's credentials and a public base URL. */
const FAKE_PROVIDER_ENV = {
  PUBLIC_BASE_URL: 'https://rocars.example',
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_FROM_NUMBER: FROM,
};

/** `env`: where the worker works (DATABASE_URL, REDIS_URL, QUEUE_PREFIX, FAKE_TWILIO_URL, CLOCK_FILE) and its tuning. */
export function startWorker(env: Record<string, string>): WorkerProcess {
  // WORKER_NODE_ARGS: extra node flags for profiling (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
  const extra = (process.env.WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', ENTRY], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...FAKE_PROVIDER_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let peak: number | null = null;
  let cpu: number | null = null;
  let onReady: () => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
    for (const line of d.toString().split('\n')) {
      if (line.includes('"ready":true')) onReady();
      const m = /"peakRssMb":(\d+)/.exec(line);
      if (m) peak = Number(m[1]);
      const c = /"cpuMs":(\d+)/.exec(line);
      if (c) cpu = Number(c[1]);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => onFail(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
  return {
    child,
    ready,
    output: () => out,
    cpuMs: () => cpu,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      return peak;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
