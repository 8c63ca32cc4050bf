/**
 * Admin API, mounted at /admin: reminder campaigns (create or preview, list, pause, resume, report)
 * and recording a token replacement (the old token stops working and its reminders stop).
 * Bearer ADMIN_API_TOKEN, compared in constant time; without the variable every route answers 404.
 * Bad input answers 400 naming the field.
 */
import { Hono, type Context } from 'hono';
import { bearer } from '../bearer.js';
import type { Logger } from '../../logger.js';
import type { CampaignService } from '../../reminders/campaigns.js';
import { campaignInputSchema, parseWith, replacementSchema } from '../../reminders/campaigns.js';
import type { Campaign } from '../../reminders/ports.js';

const view = (c: Campaign) => ({
  id: c.id,
  name: c.name,
  labelColour: c.labelColour,
  expiringBefore: c.expiresBefore,
  stages: c.stages,
  status: c.status,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

async function jsonBody(c: Context): Promise<{ ok: true; body: unknown } | { ok: false }> {
  try {
    const text = await c.req.text();
    return { ok: true, body: text.trim() ? JSON.parse(text) : {} };
  } catch {
    return { ok: false };
  }
}

const invalid = (c: Context, field: string, message: string) => c.json({ error: 'invalid', field, message }, 400);

/** What the admin API uses: the campaign service, ADMIN_API_TOKEN (unset: every route answers 404) and the log. */
export interface AdminRouteDeps {
  campaigns: CampaignService;
  adminToken: string | undefined;
  logger: Logger;
}

export function adminRoutes(deps: AdminRouteDeps): Hono {
  const app = new Hono();
  const token = deps.adminToken;
  if (!token) return app;
  app.use('*', bearer(token, 'admin'));

  const campaignId = (c: Context): number | null => {
    const raw = c.req.param('id') ?? '';
    return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
  };

  app.get('/campaigns', async (c) => c.json({ campaigns: (await deps.campaigns.list()).map(view) }));

  app.post('/campaigns', async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return invalid(c, 'body', 'must be JSON, e.g. { "labelColour": "purple", "expiringBefore": "2026-12-31" }');
    // Strict checks name an unknown key; the dry-run flag is checked apart.
    const { dryRun, ...selection } = (body.body ?? {}) as Record<string, unknown>;
    if (dryRun !== undefined && typeof dryRun !== 'boolean') return invalid(c, 'dryRun', 'must be true or false');
    const parsed = parseWith(campaignInputSchema, selection);
    if (!parsed.ok) return invalid(c, String(parsed.detail?.field), String(parsed.detail?.message));
    const campaigns = deps.campaigns;
    if (dryRun) return c.json({ dryRun: true, preview: await campaigns.preview(parsed.value, { samples: 3 }) });
    const r = await campaigns.create(parsed.value);
    deps.logger.info({ campaign: r.campaign.id, deliveries: r.created, covered: r.covered }, 'reminder campaign created');
    return c.json({ campaign: view(r.campaign), deliveries: r.created, coveredByOtherCampaigns: r.covered }, 201);
  });

  const report = async (c: Context) => {
    const id = campaignId(c);
    if (id === null) return invalid(c, 'id', 'must be a campaign number');
    const r = await deps.campaigns.report(id);
    if (!r) return c.json({ error: 'campaign_unknown', field: 'id' }, 404);
    const { campaign, ...counts } = r;
    return c.json({ campaign: view(campaign), ...counts });
  };
  app.get('/campaigns/:id', report);
  app.get('/campaigns/:id/report', report);

  for (const [action, status] of [
    ['pause', 'paused'],
    ['resume', 'active'],
  ] as const) {
    app.post(`/campaigns/:id/${action}`, async (c) => {
      const id = campaignId(c);
      if (id === null) return invalid(c, 'id', 'must be a campaign number');
      const updated = await deps.campaigns.setStatus(id, status);
      if (!updated) return c.json({ error: 'campaign_unknown', field: 'id' }, 404);
      deps.logger.info({ campaign: id, status }, `reminder campaign ${action}d`);
      return c.json({ campaign: view(updated) });
    });
  }

  app.post('/drivers/:driverNo/token-replacement', async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return invalid(c, 'body', 'must be JSON, e.g. { "serial": "T00020001", "expiresOn": "2031-12-31" }');
    const parsed = parseWith(replacementSchema, body.body);
    if (!parsed.ok) return invalid(c, String(parsed.detail?.field), String(parsed.detail?.message));
    const r = await deps.campaigns.replaceToken(c.req.param('driverNo'), parsed.value, 'admin-api');
    if (!r.ok) {
      switch (r.reason) {
        case 'driver_no_format':
        case 'driver_no_check_digit':
          return c.json({ error: r.reason, field: 'driverNo', message: 'must be the 8-digit driver number' }, 400);
        case 'expires_on_invalid':
          return c.json({ error: r.reason, field: 'expiresOn', message: 'is not a real date' }, 400);
        case 'expires_on_not_future':
          return c.json(
            { error: r.reason, field: 'expiresOn', message: `must be after today (${String(r.detail?.today)} in Hong Kong): a new token must be valid for at least a day` },
            400,
          );
        case 'driver_unknown':
          return c.json({ error: r.reason, field: 'driverNo' }, 404);
        case 'serial_taken':
          return c.json({ error: r.reason, field: 'serial', message: 'another token already has this serial' }, 409);
      }
    }
    const { ok: _ok, ...done } = r;
    deps.logger.info({ driverNo: c.req.param('driverNo'), remindersStopped: done.remindersStopped }, 'token replacement recorded');
    return c.json(done);
  });

  return app;
}
