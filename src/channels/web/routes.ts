/**
 * The web form (GET / and its pages): server-rendered, no script, three languages (cookie `lang`),
 * CSRF-checked (Origin / Sec-Fetch-Site through hono/csrf, and a per-session token in every form),
 * rate-limited per client and, where a driver number is given, per driver number, with a CSP that
 * allows no script at all. Mounted at '/'.
 */
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import type { Runtime } from '../../runtime.js';
import type { Authorisation } from '../../core/types.js';
import { LOCALES } from '../../core/types.js';
import type { Asker, TokenCodeReason } from '../../core/services.js';
import { checkBundleRef, normaliseDigits } from '../../core/identifiers.js';
import { formatTime } from '../../i18n.js';
import { errorFields } from '../../logger.js';
import { grouped, problemError, refusalError, safeNext, splitCcrns, type FieldError } from './forms.js';
import {
  BundlesPage,
  CancelConfirmPage,
  CentresPage,
  CodeStep,
  ConfirmStep,
  DetailsStep,
  DonePage,
  DriverStep,
  HomePage,
  RegistrationPage,
  StatusPage,
  TokenPage,
  type Carry,
  type DriverFlow,
  type View,
} from './pages.js';
import { STYLE_CSS } from './style.js';
import { createPageKit, LANG_COOKIE, type Req, type WebRoutesOptions } from './page-kit.js';
import { isTimeout, RETRY_AFTER_SECONDS } from '../deadline.js';

export { DEFAULT_WEB_RATE_LIMIT, pickLocale, type WebRoutesOptions } from './page-kit.js';

const ASKER: Asker = { channel: 'web', caller: null };

export function webRoutes(rt: Runtime, options: WebRoutesOptions = {}): Hono {
  const { html, problem, overDriverLimit, page, sessions, secure, headers } = createPageKit(rt, options);
  const { services } = rt;
  const app = new Hono();

  // Applied per web path, not with '*': mounted at '/', a '*' middleware would also run for the
  // other channels' unmatched paths.
  const PATHS = ['/', '/lang/*', '/status', '/registration', '/bundle', '/bundle/*', '/bundles', '/bundles/*', '/driver', '/code', '/sign-out', '/token', '/centres', '/style.css'];
  for (const p of PATHS) app.use(p, headers);

  app.onError((err, c) => {
    // Not the error's message: it may quote what was typed (errorFields).
    rt.logger.error({ err: errorFields(err), path: c.req.path }, 'web page failed');
    // Slow, not broken (our deadline or the database's): 503, try again shortly.
    if (isTimeout(err)) {
      c.header('retry-after', String(RETRY_AFTER_SECONDS));
      return problem(c, 503, 'failure');
    }
    return problem(c, 500, 'failure');
  });

  app.get('/style.css', (c) => {
    c.header('content-type', 'text/css; charset=utf-8');
    c.header('cache-control', 'public, max-age=3600');
    return c.body(STYLE_CSS);
  });

  app.get('/lang/:lng', (c) => {
    const lng = c.req.param('lng');
    if ((LOCALES as readonly string[]).includes(lng)) {
      setCookie(c, LANG_COOKIE, lng, { path: '/', sameSite: 'Lax', secure, httpOnly: true, maxAge: 365 * 24 * 3600 });
    }
    return c.redirect(safeNext(c.req.query('next')), 303);
  });

  app.get('/', page(async ({ c, v }) => html(c, HomePage({ v }))));

  // --- consignment and registration status --------------------------------------------------

  app.get('/status', page(async ({ c, v }) => html(c, StatusPage({ v, ccrn: '', errors: [] }))));
  app.post(
    '/status',
    page(async ({ c, v, form }) => {
      const ccrn = (form.ccrn ?? '').trim();
      const r = await services.consignments.status({ ccrn }, ASKER);
      if (r.ok) return html(c, StatusPage({ v, ccrn, errors: [], result: r.consignment }));
      return html(c, StatusPage({ v, ccrn, errors: [refusalError('ccrn', r.reason, { ccrn: typed(ccrn, r.reason, 4), value: shown(ccrn) })] }), 400);
    }),
  );

  app.get('/registration', page(async ({ c, v }) => html(c, RegistrationPage({ v, refNo: '', errors: [] }))));
  app.post(
    '/registration',
    page(async ({ c, v, form }) => {
      const refNo = (form.refNo ?? '').trim();
      const r = await services.registrations.status({ refNo }, ASKER);
      if (r.ok) return html(c, RegistrationPage({ v, refNo, errors: [], result: r.registration }));
      return html(c, RegistrationPage({ v, refNo, errors: [refusalError('refNo', r.reason, { refNo: typed(refNo, r.reason, 5), value: shown(refNo) })] }), 400);
    }),
  );

  // --- driver: number, then token code ------------------------------------------------------

  const authorised = (r: Req): Authorisation | null => {
    const { auth, driverNo } = r.session.data;
    return auth && auth.driverNo === driverNo && auth.until > r.now.getTime() ? auth : null;
  };

  const flowOf = (value: string | undefined): DriverFlow => (value === 'bundles' ? 'bundles' : 'bundle');

  /** A refused token code, next to the code field: tries left, or until when the token is locked. */
  const codeError = (r: Req, reason: TokenCodeReason | 'not_authorised', detail?: Record<string, unknown>): FieldError => {
    const params: Record<string, string | number> = {};
    if (reason === 'token_code_wrong') params.count = Number(detail?.triesLeft ?? 0);
    if (reason === 'token_locked') params.until = formatTime(String(detail?.lockedUntil), r.v.locale);
    return refusalError('code', reason, params);
  };

  /**
   * The code step: nothing about the driver or the token but the number typed. Token details
   * (serial, label, expiry) are for an authorised driver only, as on the hotline.
   */
  async function codeStep(r: Req, flow: DriverFlow, errors: FieldError[], carry?: Carry, notice?: string, status = 200) {
    const driverNo = r.session.data.driverNo!;
    return html(r.c, CodeStep({ v: r.v, flow, driverNo, errors, ...(carry ? { carry } : {}), ...(notice ? { notice } : {}) }), status);
  }

  /** The token's expiry when it must be replaced soon (shown only once the driver is authorised). */
  async function tokenReminder(driverNo: string): Promise<string | undefined> {
    const token = await services.tokens.status({ driverNo });
    return token.ok && token.token.needsReplacing && !token.token.expired ? token.token.expiresOn : undefined;
  }

  async function detailsStep(r: Req, auth: Authorisation, vehicle: string, ccrns: string, errors: FieldError[], status = 200) {
    const d = await services.drivers.identify({ driverNo: auth.driverNo });
    const vehicles = d.ok ? d.driver.vehicles : [];
    const reminder = await tokenReminder(auth.driverNo);
    const until = new Date(auth.until);
    return html(
      r.c,
      DetailsStep({ v: r.v, driverNo: auth.driverNo, vehicles, vehicle, ccrns, errors, authorisedUntil: until, ...(reminder ? { tokenReminder: reminder } : {}) }),
      status,
    );
  }

  /**
   * Where every page about a driver's bundles starts: the number, the code (saying so when an
   * earlier authorisation of this driver has lapsed), or the work itself, with a fresh authorisation.
   * A driver number alone never shows anything of the driver's.
   */
  async function driverGate(r: Req, flow: DriverFlow, work: (auth: Authorisation) => Promise<Response>) {
    const { driverNo, auth: lapsed } = r.session.data;
    if (!driverNo) return html(r.c, DriverStep({ v: r.v, flow, driverNo: '', errors: [] }));
    const auth = authorised(r);
    if (!auth) return codeStep(r, flow, [], undefined, lapsed?.driverNo === driverNo ? 'web:code.expired_notice' : undefined);
    return work(auth);
  }

  app.get('/bundle', page(async (r) => driverGate(r, 'bundle', (auth) => detailsStep(r, auth, '', '', []))));
  app.get('/bundles', page(async (r) => driverGate(r, 'bundles', (auth) => bundlesPage(r, auth, [], r.c.req.query('cancelled')))));

  app.post(
    '/driver',
    page(async (r) => {
      const flow = flowOf(r.form.next);
      const driverNo = (r.form.driverNo ?? '').trim();
      const limited = await overDriverLimit(r, driverNo);
      if (limited) return limited;
      const id = await services.drivers.identify({ driverNo });
      if (!id.ok) {
        const errors = [refusalError('driverNo', id.reason, { driverNo: typed(driverNo, id.reason, 4), value: shown(driverNo) })];
        return html(r.c, DriverStep({ v: r.v, flow, driverNo, errors }), 400);
      }
      const found = id.driver.driverNo;
      await sessions.update(r.c, r.session, (d) => ({ csrf: d.csrf, driverNo: found, ...(d.auth?.driverNo === found ? { auth: d.auth } : {}) }));
      return r.c.redirect(`/${flow}`, 303);
    }),
  );

  app.post(
    '/code',
    page(async (r) => {
      const flow = flowOf(r.form.next);
      const driverNo = r.session.data.driverNo;
      if (!driverNo) return r.c.redirect(`/${flow}`, 303);
      const limited = await overDriverLimit(r, driverNo);
      if (limited) return limited;
      const carry = carried(r.form);
      const v = await services.tokens.verify({ driverNo, code: r.form.code ?? '' }, ASKER);
      if (!v.ok) {
        return codeStep(r, flow, [codeError(r, v.reason, v.detail)], carry, undefined, 400);
      }
      const auth = v.authorisation;
      await sessions.update(r.c, r.session, (d) => ({ ...d, driverNo, auth }));
      rt.logger.info({ driverNo, channel: 'web' }, 'web driver authorised');
      if (flow === 'bundle' && carry) return detailsStep(r, auth, carry.vehicle, carry.ccrns, []);
      return r.c.redirect(`/${flow}`, 303);
    }),
  );

  app.post(
    '/sign-out',
    page(async (r) => {
      await sessions.update(r.c, r.session, (d) => ({ csrf: d.csrf }));
      return r.c.redirect('/', 303);
    }),
  );

  // --- bundling: vehicle and CCRNs, confirmation, result -------------------------------------

  /** The bundle the form describes, or every problem at once, each next to its field and naming its CCRN. */
  async function checkDetails(auth: Authorisation, vehicleRaw: string, ccrnText: string) {
    const entries = splitCcrns(ccrnText);
    const p = await services.bundling.prepare({ driverNo: auth.driverNo, vehicle: vehicleRaw, ccrns: entries.map((e) => e.raw) }, ASKER);
    return p.ok ? { draft: p.draft, errors: [] } : { draft: null, errors: p.problems.map((x) => problemError(x, vehicleRaw)) };
  }

  app.post(
    '/bundle/details',
    page(async (r) => {
      const carry = carried(r.form) ?? { vehicle: '', ccrns: '' };
      const auth = authorised(r);
      if (!auth) return needCode(r, 'bundle', carry);
      const { draft, errors } = await checkDetails(auth, carry.vehicle, carry.ccrns);
      if (!draft) return detailsStep(r, auth, carry.vehicle, carry.ccrns, translateDirections(r.v, errors), 400);
      return html(r.c, ConfirmStep({ v: r.v, vehicle: draft.vehicleMark, ccrns: draft.ccrns.join('\n'), consignments: draft.consignments }));
    }),
  );

  app.post(
    '/bundle/edit',
    page(async (r) => {
      const carry = carried(r.form) ?? { vehicle: '', ccrns: '' };
      const auth = authorised(r);
      if (!auth) return needCode(r, 'bundle', carry);
      return detailsStep(r, auth, carry.vehicle, carry.ccrns.split('\n').map((x) => grouped(x)).join('\n'), []);
    }),
  );

  app.post(
    '/bundle/confirm',
    page(async (r) => {
      const carry = carried(r.form) ?? { vehicle: '', ccrns: '' };
      const auth = authorised(r);
      if (!auth) return needCode(r, 'bundle', carry);
      const { draft, errors } = await checkDetails(auth, carry.vehicle, carry.ccrns);
      if (!draft) return detailsStep(r, auth, carry.vehicle, carry.ccrns, translateDirections(r.v, errors), 400);
      const b = await services.bundling.confirm(draft, auth, ASKER);
      if (b.ok) {
        rt.logger.info({ bundleRef: b.bundle.bundleRef, channel: 'web' }, 'web bundle made');
        return r.c.redirect(`/bundle/done/${b.bundle.bundleRef}`, 303);
      }
      if (b.reason === 'not_authorised' || b.reason === 'token_locked' || b.reason === 'token_expired' || b.reason === 'token_missing') {
        await sessions.update(r.c, r.session, (d) => ({ csrf: d.csrf, ...(d.driverNo ? { driverNo: d.driverNo } : {}) }));
        return codeStep(r, 'bundle', [codeError(r, b.reason, b.detail)], carry, undefined, 400);
      }
      const refused = problemError(b.detail ? { reason: b.reason, detail: b.detail } : { reason: b.reason }, carry.vehicle);
      return detailsStep(r, auth, carry.vehicle, carry.ccrns, translateDirections(r.v, [refused]), 400);
    }),
  );

  // The result page needs a fresh authorisation like every page about a driver's bundles: a driver
  // who reloads it after the 10 minutes is asked for the code again and then sees My bundles (where
  // this bundle is listed, with its cancel button); the bundle is not even looked up before that, so
  // the answer says nothing about whose it is. An authorised driver gets 404 for another's bundle.
  app.get(
    '/bundle/done/:ref',
    page(async (r) =>
      driverGate(r, 'bundles', async (auth) => {
        const found = await services.bundling.bundleOf({ authorisation: auth, bundleRef: r.c.req.param('ref') ?? '' });
        if (!found.ok) return problem(r.c, 404, 'not_found', r.v.csrf);
        const reminder = await tokenReminder(found.bundle.driverNo);
        return html(r.c, DonePage({ v: r.v, bundle: found.bundle, late: found.lateCcrns, ...(reminder ? { tokenReminder: reminder } : {}) }));
      }),
    ),
  );

  async function needCode(r: Req, flow: DriverFlow, carry?: Carry) {
    if (!r.session.data.driverNo) return html(r.c, DriverStep({ v: r.v, flow, driverNo: '', errors: [] }));
    return codeStep(r, flow, [], carry, 'web:code.expired_notice');
  }

  // --- my bundles ---------------------------------------------------------------------------

  async function bundlesPage(r: Req, auth: Authorisation, errors: FieldError[], cancelled?: string, status = 200) {
    const list = await services.bundling.activeBundles({ authorisation: auth });
    if (!list.ok) return needCode(r, 'bundles');
    const ok = cancelled && checkBundleRef(cancelled).ok ? cancelled : undefined;
    return html(r.c, BundlesPage({ v: r.v, bundles: list.bundles, errors, ...(ok ? { cancelled: ok } : {}) }), status);
  }

  app.post(
    '/bundles/cancel',
    page(async (r) => {
      const auth = authorised(r);
      if (!auth) return needCode(r, 'bundles');
      const raw = (r.form.bundleRef ?? '').trim();
      const field = `cancel-${raw.replace(/\D/g, '')}`;
      if (r.form.confirm !== 'yes') {
        const found = await services.bundling.bundleOf({ authorisation: auth, bundleRef: raw });
        if (found.ok && found.cancellable) return html(r.c, CancelConfirmPage({ v: r.v, bundle: found.bundle }));
        return bundlesPage(r, auth, [refusalError(field, 'bundle_not_active', { bundleRef: grouped(raw, 3) })], undefined, 400);
      }
      const u = await services.bundling.unbundle({ authorisation: auth, bundleRef: raw }, ASKER);
      if (u.ok) return r.c.redirect(`/bundles?cancelled=${u.bundle.bundleRef}`, 303);
      return bundlesPage(r, auth, [refusalError(field, u.reason, { bundleRef: grouped(raw, 3) })], undefined, 400);
    }),
  );

  // --- token replacement and centres ---------------------------------------------------------

  const tokenPage = (r: Req, driverNo: string, errors: FieldError[], status?: Parameters<typeof TokenPage>[0]['status'], code = 200) => {
    const g = services.guidance.tokenReplacement();
    return html(r.c, TokenPage({ v: r.v, bring: g.bring, representative: g.representative, driverNo, errors, ...(status ? { status } : {}) }), code);
  };
  app.get('/token', page(async (r) => tokenPage(r, '', [])));
  app.post(
    '/token',
    page(async (r) => {
      const driverNo = (r.form.driverNo ?? '').trim();
      const limited = await overDriverLimit(r, driverNo);
      if (limited) return limited;
      const id = await services.drivers.identify({ driverNo });
      if (!id.ok) return tokenPage(r, driverNo, [refusalError('driverNo', id.reason, { driverNo: typed(driverNo, id.reason, 4), value: shown(driverNo) })], undefined, 400);
      const found = id.driver.driverNo;
      // The token's details (serial, label, expiry) only with a code, as on the hotline (README,
      // "Before a code"): a driver number is printed on notices and proves nothing. A browser
      // already authorised for this driver needs no second code.
      let auth = authorised(r);
      if (!auth || auth.driverNo !== found) {
        const v = await services.tokens.verify({ driverNo: found, code: r.form.code ?? '' }, ASKER);
        if (!v.ok) return tokenPage(r, driverNo, [codeError(r, v.reason, v.detail)], undefined, 400);
        auth = v.authorisation;
        const given = auth;
        await sessions.update(r.c, r.session, (d) => ({ ...d, driverNo: found, auth: given }));
      }
      const s = await services.tokens.status({ driverNo: found });
      if (!s.ok) return tokenPage(r, driverNo, [refusalError('driverNo', s.reason, { driverNo: shown(driverNo) })], undefined, 400);
      return tokenPage(r, driverNo, [], s.token);
    }),
  );

  app.get(
    '/centres',
    page(async (r) =>
      html(r.c, CentresPage({ v: r.v, places: services.directory.places(), now: r.now, holiday: services.directory.isHoliday(r.now) })),
    ),
  );

  return app;
}

/** What the visitor typed, trimmed to a length a message can show. */
function shown(value: string): string {
  const s = value.trim();
  return s.length > 24 ? s.slice(0, 24) + '...' : s;
}

/** A number as the visitor typed it (when its format is wrong), else its digits in groups. */
function typed(value: string, reason: string, group: number): string {
  if (reason.endsWith('_format')) return shown(value);
  return grouped(normaliseDigits(value), group);
}

/** The vehicle and CCRNs a form carries along (details, confirmation, a code re-entered). */
function carried(form: Record<string, string>): Carry | undefined {
  if (form.vehicle === undefined && form.ccrns === undefined) return undefined;
  return { vehicle: (form.vehicle ?? '').trim(), ccrns: form.ccrns ?? '' };
}

/** `direction` params hold 'inbound'/'outbound': shown in the page's language. */
function translateDirections(v: View, errors: FieldError[]): FieldError[] {
  return errors.map((e) =>
    e.params && typeof e.params.direction === 'string' ? { ...e, params: { ...e.params, direction: v.t(`web:direction.${e.params.direction}`) } } : e,
  );
}
