/**
 * Operating campaigns: select the tokens to replace, preview (dry run), create, pause, resume,
 * report, and record a token replacement (which stops that driver's reminders).
 */
import { z } from 'zod';
import { Secret } from 'otpauth';
import type { AuditRepository, DriverRepository, OptOutRepository, TokenRepository } from '../core/ports.js';
import type { Clock, Locale, Result, Token } from '../core/types.js';
import { fail, ok } from '../core/types.js';
import { canReceiveSms, checkDriverNo } from '../core/identifiers.js';
import { maskPhone } from '../core/mask.js';
import { hongKongDate } from '../core/directory.js';
import type { Campaign, CampaignReport, PlannedDelivery, ReminderChannel, ReminderRepository } from './ports.js';
import { hongKongDateOf, planStages, type SendWindow } from './schedule.js';
import { renderText, smsReminder } from './messages.js';

/** A real calendar date written YYYY-MM-DD (2031-02-30 is not one). */
const isRealDate = (s: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-12-31')
  .refine(isRealDate, 'is not a real date');

const stagesSchema = z
  .union([z.string(), z.array(z.number())])
  .transform((v, ctx) => {
    const list = typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean).map(Number) : v;
    if (list.length === 0 || list.length > 10 || list.some((n) => !Number.isInteger(n) || n < 0 || n > 365)) {
      ctx.addIssue({ code: 'custom', message: 'must be 1 to 10 whole numbers of days, 0 to 365, e.g. 30,14,7,1' });
      return z.NEVER;
    }
    return [...new Set(list)].sort((a, b) => b - a);
  });

/** What an operator gives to select a campaign (CLI flags or the admin API's JSON). */
export const campaignInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    labelColour: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z][a-z -]{0,29}$/, 'must be a colour name, e.g. purple')
      .optional(),
    expiringBefore: isoDate.optional(),
    stages: stagesSchema.optional(),
  })
  .strict()
  .refine((v) => v.labelColour !== undefined || v.expiringBefore !== undefined, {
    message: 'give a label colour, an expiry date, or both',
    path: ['labelColour'],
  });

export type CampaignInput = z.input<typeof campaignInputSchema>;
export type CampaignSelection = z.output<typeof campaignInputSchema>;

/** A refusal of bad input, naming the field. */
export interface InputProblem {
  field: string;
  message: string;
}

export function parseWith<S extends z.ZodType>(schema: S, raw: unknown): Result<{ value: z.output<S> }, 'invalid'> {
  const r = schema.safeParse(raw);
  if (r.success) return ok({ value: r.data });
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : issue.code === 'unrecognized_keys' ? String((issue as { keys?: string[] }).keys?.[0] ?? 'body') : 'body';
  return fail('invalid', { field, message: issue.message });
}

export const replacementSchema = z
  .object({
    serial: z.string().trim().regex(/^[A-Z0-9]{6,20}$/, 'must be the serial printed on the token: 6 to 20 capital letters or digits'),
    expiresOn: isoDate,
    labelColour: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z][a-z -]{0,29}$/, 'must be a colour name, e.g. green')
      .optional(),
    secretBase32: z
      .string()
      .trim()
      .regex(/^[A-Z2-7]{16,64}$/, 'must be base32 (A-Z, 2-7), 16 to 64 characters')
      .optional(),
  })
  .strict();

export type ReplacementInput = z.input<typeof replacementSchema>;

export interface PreviewRow {
  stage: number;
  /** due_now: sent at the next open window; scheduled: on its day; missed: its day passed before the campaign. */
  when: 'due_now' | 'scheduled' | 'missed';
  sms: number;
  call: number;
  /** No mobile number at all: nothing can be sent. */
  unreachable: number;
}

export interface PreviewSample {
  driverNo: string;
  toMasked: string | null;
  locale: Locale;
  channel: ReminderChannel | null;
  stage: number;
  dueAt: Date;
  text: string;
}

export interface CampaignPreview {
  selection: { labelColour: string | null; expiresBefore: string | null; stages: number[] };
  tokens: number;
  byChannel: { sms: number; call: number; callBecause: { no_sms_number: number; opted_out: number }; unreachable: number };
  rows: PreviewRow[];
  samples: PreviewSample[];
}

export interface CampaignServiceDeps {
  repo: ReminderRepository;
  tokens: Pick<TokenRepository, 'select' | 'replace' | 'bySerial'>;
  drivers: Pick<DriverRepository, 'byDriverNo'>;
  optOuts: Pick<OptOutRepository, 'isOptedOut'>;
  audit?: AuditRepository;
  clock: Clock;
  /** Stages start when the SMS window opens. */
  smsWindow: SendWindow;
  /** REMINDER_STAGES. */
  defaultStages: number[];
  hotline: string;
}

export interface CampaignService {
  preview(selection: CampaignSelection, opts?: { samples?: number }): Promise<CampaignPreview>;
  create(
    selection: CampaignSelection,
    opts?: { preview?: boolean; samples?: number },
  ): Promise<{ campaign: Campaign; created: number; covered: number; preview: CampaignPreview | null }>;
  list(): Promise<Campaign[]>;
  setStatus(id: number, status: 'active' | 'paused'): Promise<Campaign | null>;
  report(id: number): Promise<CampaignReport | null>;
  /**
   * Records a new token for the driver: the old one stops working, and its reminders stop. The new
   * token's expiry must be a real date after today in Hong Kong (valid for at least a day), else
   * nothing changes: `expires_on_invalid`, `expires_on_not_future` (detail: today).
   */
  replaceToken(
    driverNo: string,
    input: z.output<typeof replacementSchema>,
    actor: string,
  ): Promise<
    Result<
      { oldSerial: string | null; serial: string; expiresOn: string; labelColour: string; remindersStopped: number },
      'driver_no_format' | 'driver_no_check_digit' | 'expires_on_invalid' | 'expires_on_not_future' | 'driver_unknown' | 'serial_taken'
    >
  >;
}

/** Runs `fn` over `items` with at most `n` at a time, keeping order. */
async function mapLimit<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const WHEN_ORDER: Record<PreviewRow['when'], number> = { due_now: 0, scheduled: 1, missed: 2 };

/** New tokens recorded without a label colour. */
export const DEFAULT_NEW_LABEL = 'unlabelled';

export function createCampaignService(deps: CampaignServiceDeps): CampaignService {
  const { repo, tokens, drivers, optOuts, clock } = deps;

  const stagesOf = (s: CampaignSelection) => s.stages ?? [...deps.defaultStages].sort((a, b) => b - a);

  const plan = (selected: Token[], stages: number[], now: Date): PlannedDelivery[] =>
    selected.map((t) => ({
      driverNo: t.driverNo,
      tokenSerial: t.serial,
      expiresOn: t.expiresOn,
      stages: planStages({ expiresOn: t.expiresOn, stages, now, window: deps.smsWindow }),
    }));

  async function preview(selection: CampaignSelection, opts: { samples?: number } = {}): Promise<CampaignPreview> {
    const now = clock.now();
    const stages = stagesOf(selection);
    const selected = await tokens.select({ labelColour: selection.labelColour, expiresBefore: selection.expiringBefore });
    const planned = plan(selected, stages, now);
    const reach = await mapLimit(planned, 16, async (p) => {
      const driver = await drivers.byDriverNo(p.driverNo);
      if (!driver?.mobile) return { driver, channel: null, why: null };
      if (!driver.smsCapable || !canReceiveSms(driver.mobile)) return { driver, channel: 'call' as const, why: 'no_sms_number' as const };
      if (await optOuts.isOptedOut(driver.mobile)) return { driver, channel: 'call' as const, why: 'opted_out' as const };
      return { driver, channel: 'sms' as const, why: null };
    });
    const rows = new Map<string, PreviewRow>();
    const byChannel: CampaignPreview['byChannel'] = { sms: 0, call: 0, callBecause: { no_sms_number: 0, opted_out: 0 }, unreachable: 0 };
    const today = hongKongDateOf(now);
    const firsts: (PreviewSample & { order: number })[] = [];
    planned.forEach((p, i) => {
      const r = reach[i]!;
      if (r.channel) byChannel[r.channel]++;
      else byChannel.unreachable++;
      if (r.why) byChannel.callBecause[r.why]++;
      for (const st of p.stages) {
        const when: PreviewRow['when'] = st.when === 'missed' ? 'missed' : st.when === 'now' ? 'due_now' : 'scheduled';
        const key = `${st.stage}:${when}`;
        const row = rows.get(key) ?? { stage: st.stage, when, sms: 0, call: 0, unreachable: 0 };
        if (r.channel) row[r.channel]++;
        else row.unreachable++;
        rows.set(key, row);
      }
      const first = p.stages.find((s) => s.state === 'scheduled');
      if (first && r.driver) {
        const locale = r.driver.locale;
        firsts.push({
          order: first.dueAt.getTime(),
          driverNo: p.driverNo,
          toMasked: maskPhone(r.driver.mobile),
          locale,
          channel: r.channel,
          stage: first.stage,
          dueAt: first.dueAt,
          text: renderText(smsReminder({ serial: p.tokenSerial, expiresOn: p.expiresOn, today, hotline: deps.hotline }), locale),
        });
      }
    });
    const samples = firsts
      .sort((a, b) => a.order - b.order)
      .slice(0, opts.samples ?? 3)
      .map(({ order: _order, ...s }) => s);
    return {
      selection: { labelColour: selection.labelColour ?? null, expiresBefore: selection.expiringBefore ?? null, stages },
      tokens: selected.length,
      byChannel,
      rows: [...rows.values()].sort((a, b) => b.stage - a.stage || WHEN_ORDER[a.when] - WHEN_ORDER[b.when]),
      samples,
    };
  }

  return {
    preview,
    async create(selection, opts = {}) {
      const now = clock.now();
      const stages = stagesOf(selection);
      const shown = opts.preview ? await preview(selection, { samples: opts.samples }) : null;
      const selected = await tokens.select({ labelColour: selection.labelColour, expiresBefore: selection.expiringBefore });
      const name =
        selection.name ??
        [selection.labelColour && `${selection.labelColour} label`, selection.expiringBefore && `expiring before ${selection.expiringBefore}`]
          .filter(Boolean)
          .join(', ');
      const { campaign, created, covered } = await repo.createCampaign(
        { name, labelColour: selection.labelColour ?? null, expiresBefore: selection.expiringBefore ?? null, stages },
        plan(selected, stages, now),
        now,
      );
      await deps.audit?.record({
        at: now,
        channel: 'admin',
        callerMasked: null,
        driverNo: null,
        action: 'reminders.campaign_created',
        outcome: 'created',
        detail: { campaignId: campaign.id, deliveries: created, covered },
      });
      return { campaign, created, covered, preview: shown };
    },
    list: () => repo.campaigns(),
    async setStatus(id, status) {
      const c = await repo.setStatus(id, status, clock.now());
      if (c) {
        await deps.audit?.record({
          at: clock.now(),
          channel: 'admin',
          callerMasked: null,
          driverNo: null,
          action: `reminders.campaign_${status === 'paused' ? 'paused' : 'resumed'}`,
          outcome: status,
          detail: { campaignId: id },
        });
      }
      return c;
    },
    report: (id) => repo.report(id),
    async replaceToken(driverNo, input, actor) {
      const checked = checkDriverNo(driverNo);
      if (!checked.ok) return fail(checked.reason === 'format' ? 'driver_no_format' : 'driver_no_check_digit');
      const now = clock.now();
      if (!isRealDate(input.expiresOn)) return fail('expires_on_invalid');
      const today = hongKongDate(now);
      if (input.expiresOn <= today) return fail('expires_on_not_future', { today });
      const driver = await drivers.byDriverNo(checked.value);
      if (!driver) return fail('driver_unknown');
      if (await tokens.bySerial(input.serial)) return fail('serial_taken');
      const labelColour = input.labelColour ?? DEFAULT_NEW_LABEL;
      const secretBase32 = input.secretBase32 ?? new Secret({ size: 20 }).base32;
      const { oldSerial } = await tokens.replace(checked.value, { serial: input.serial, secretBase32, labelColour, expiresOn: input.expiresOn }, now);
      const remindersStopped = await repo.stopForDriver(checked.value, 'replaced', now);
      await deps.audit?.record({
        at: now,
        channel: 'admin',
        callerMasked: null,
        driverNo: checked.value,
        action: 'token.replaced',
        outcome: 'replaced',
        detail: { actor, oldSerial, serial: input.serial, expiresOn: input.expiresOn, remindersStopped },
      });
      return ok({ oldSerial, serial: input.serial, expiresOn: input.expiresOn, labelColour, remindersStopped });
    },
  };
}
