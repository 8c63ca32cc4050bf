// `npm run campaign`: selects the tokens to replace, prints what the campaign will send (counts by
// channel and stage, the first messages) and, unless --dry-run, creates it.
import { commandLine, type Cli } from './cli.js';
import { createRuntime } from '../src/runtime.js';
import { campaignInputSchema, parseWith, type CampaignPreview } from '../src/reminders/campaigns.js';
import { reminderMode, startInProcessReminders } from '../src/reminders/index.js';

const USAGE = `usage: npm run campaign -- [--label purple] [--expiring-before 2026-12-31] [--stages 30,14,7,1]
                            [--name "purple batch"] [--samples 3] [--dry-run]
Give --label, --expiring-before, or both. --dry-run prints and writes nothing.
Without REDIS_URL and DATABASE_URL, the reminders due now are sent by this command before it ends;
later stages go from \`npm start\` (in process). With both, \`npm run worker\` processes send them.`;

const FLAG_OF: Record<string, string> = {
  labelColour: '--label',
  expiringBefore: '--expiring-before',
  stages: '--stages',
  name: '--name',
};

const hk = (d: Date) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Hong_Kong', dateStyle: 'medium', timeStyle: 'short' }).format(d) + ' HKT';

function print(p: CampaignPreview, dryRun: boolean) {
  const sel = [p.selection.labelColour && `label ${p.selection.labelColour}`, p.selection.expiresBefore && `expiring before ${p.selection.expiresBefore}`]
    .filter(Boolean)
    .join(', ');
  console.log(`Campaign: ${sel}; stages ${p.selection.stages.join(', ')} days before expiry${dryRun ? '  (dry run: nothing is written or sent)' : ''}`);
  console.log(`Tokens selected: ${p.tokens}`);
  const b = p.byChannel;
  console.log(
    `By channel: SMS ${b.sms}, call ${b.call} (no SMS-capable number ${b.callBecause.no_sms_number}, opted out of SMS ${b.callBecause.opted_out}), no number ${b.unreachable}`,
  );
  console.log('By stage:');
  const when = { due_now: 'due now', scheduled: 'on its day', missed: 'missed (skipped)' } as const;
  const rows = [['stage', 'when', 'sms', 'call', 'no number'], ...p.rows.map((r) => [`${r.stage} d`, when[r.when], r.sms, r.call, r.unreachable].map(String))];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log('  ' + r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  if (p.samples.length) {
    console.log('First messages:');
    for (const s of p.samples) {
      console.log(`  driver ${s.driverNo}  ${s.toMasked ?? 'no number'}  ${s.locale}  ${s.channel ?? 'none'}  stage ${s.stage}  at ${hk(s.dueAt)}`);
      console.log(`    ${s.channel === 'call' ? '(call; SMS text kept as its summary) ' : ''}${s.text}`);
    }
  }
}

async function main() {
  const cli = commandLine(
    USAGE,
    {
      label: { type: 'string' },
      'expiring-before': { type: 'string' },
      stages: { type: 'string' },
      name: { type: 'string' },
      samples: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    2,
  );
  const fail: Cli['fail'] = cli.fail;
  const values = cli.values;
  if (!values) return;
  const parsed = parseWith(campaignInputSchema, {
    ...(values.label !== undefined ? { labelColour: values.label } : {}),
    ...(values['expiring-before'] !== undefined ? { expiringBefore: values['expiring-before'] } : {}),
    ...(values.stages !== undefined ? { stages: values.stages } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
  });
  if (!parsed.ok) {
    const field = String(parsed.detail?.field);
    fail(`${FLAG_OF[field] ?? field}: ${String(parsed.detail?.message)}\n${USAGE}`);
  }
  const samples = values.samples === undefined ? 3 : Number(values.samples);
  if (!Number.isInteger(samples) || samples < 0 || samples > 50) fail(`--samples: must be a whole number from 0 to 50\n${USAGE}`);

  const config = cli.config();
  const rt = await createRuntime(config);
  try {
    const kit = rt.reminders;
    const dryRun = Boolean(values['dry-run']);
    if (dryRun) {
      print(await kit.campaigns.preview(parsed.value, { samples }), true);
      return;
    }
    const created = await kit.campaigns.create(parsed.value, { preview: true, samples });
    print(created.preview!, false);
    console.log(
      `Created campaign #${created.campaign.id} "${created.campaign.name}": ${created.created} deliveries` +
        (created.covered ? ` (${created.covered} tokens left out: another campaign is already reminding them)` : ''),
    );
    if (reminderMode(config) === 'workers') {
      console.log('The workers (npm run worker) send it; follow it with GET /admin/campaigns/' + created.campaign.id);
      return;
    }
    console.log('No Redis and shared Postgres: sending what is due now from this process...');
    const worker = await startInProcessReminders(rt);
    await worker.scheduler.tick();
    const queue = worker.queue as { idle?: () => Promise<void> };
    await queue.idle?.();
    await worker.stop();
    const report = await kit.campaigns.report(created.campaign.id);
    console.log(
      `Sent ${report!.sent} (SMS ${report!.byChannel.sms.sent}, calls ${report!.byChannel.call.sent}; and ${report!.byChannel.email.sent} emails), failed ${report!.failed}, still to come ${report!.pending}.`,
    );
    if (!config.TWILIO_ACCOUNT_SID) console.log('No Twilio credentials: the messages are in the outbox table (and the log).');
  } finally {
    await rt.close();
  }
}

main().catch((err) => {
  console.error('campaign failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
