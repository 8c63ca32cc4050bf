/**
 * The web form's pages (hono/jsx, rendered on the server; no script at all). Every page takes a
 * `View` (language, `t`, CSRF token, path) and plain data; routes.ts decides which to show.
 */
import { WEB_CONTEXT } from './forms.js';
import { CONSIGNMENT_STATUS, REGISTRATION_STATUS } from '../../flows/catalogue.js';
import type { Child } from 'hono/jsx';
import type { Bundle, Locale } from '../../core/types.js';
import type { ConsignmentView, PlaceView, RegistrationView, TokenStatusView } from '../../core/services.js';
import { formatVehicleMark } from '../../core/identifiers.js';
import { formatDate, formatTime } from '../../i18n.js';
import type { FieldError } from './forms.js';
import { grouped } from './forms.js';

export type T = (key: string, params?: Record<string, unknown>) => string;

export interface View {
  locale: Locale;
  t: T;
  /** The page's path, for the language switch to come back to. */
  path: string;
  csrf: string;
}

export const LANGUAGE_NAMES: [Locale, string][] = [
  ['en', 'English'],
  ['zh-HK', '繁體中文'],
  ['zh-CN', '简体中文'],
];

/** A field error in the web's wording: the catalogue's `_html` context where it has one. */
export const errorText = (v: View, e: FieldError) => v.t(e.key, { ...e.params, context: WEB_CONTEXT });

export function Layout(props: { v: View; title: string; errors?: FieldError[]; children?: Child; home?: boolean }) {
  const { v, title, errors = [] } = props;
  const { t } = v;
  return (
    <html lang={v.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${errors.length ? t('web:error.title_prefix') : ''}${title} - ${t('web:service')}`}</title>
        <link rel="stylesheet" href="/style.css" />
      </head>
      <body>
        <a class="skip" href="#main">
          {t('web:skip')}
        </a>
        <header>
          <div class="wrap">
            <a class="brand" href="/">
              {t('web:service')}
            </a>
            <nav aria-label={t('web:language')}>
              <ul class="langs">
                {LANGUAGE_NAMES.map(([lng, name]) =>
                  lng === v.locale ? (
                    <li>
                      <a href={`/lang/${lng}?next=${encodeURIComponent(v.path)}`} lang={lng} aria-current="true">
                        {name}
                      </a>
                    </li>
                  ) : (
                    <li>
                      <a href={`/lang/${lng}?next=${encodeURIComponent(v.path)}`} lang={lng} hreflang={lng}>
                        {name}
                      </a>
                    </li>
                  ),
                )}
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" class="wrap" tabindex={-1}>
          {!props.home && (
            <p>
              <a href="/">{t('web:back_home')}</a>
            </p>
          )}
          <ErrorSummary v={v} errors={errors} />
          <h1>{title}</h1>
          {props.children}
        </main>
        <footer class="wrap">
          <p>{t('web:footer')}</p>
        </footer>
      </body>
    </html>
  );
}

function ErrorSummary({ v, errors }: { v: View; errors: FieldError[] }) {
  if (!errors.length) return null;
  return (
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{v.t('web:error.summary')}</h2>
      <ul>
        {errors.map((e) => (
          <li>
            <a href={`#${e.field}`}>{errorText(v, e)}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

const Csrf = ({ v }: { v: View }) => <input type="hidden" name="_csrf" value={v.csrf} />;

interface FieldProps {
  v: View;
  id: string;
  label: string;
  hint?: string;
  value?: string;
  errors: FieldError[];
  numeric?: boolean;
  autocomplete?: string;
  maxlength?: number;
}

function describedBy(id: string, hint: boolean, error: boolean): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function FieldErrors({ v, id, errors }: { v: View; id: string; errors: FieldError[] }) {
  if (!errors.length) return null;
  return (
    <div id={`${id}-error`} class="error-message">
      <span class="visually-hidden">{v.t('web:error.prefix')}</span>
      {errors.length === 1 ? (
        errorText(v, errors[0]!)
      ) : (
        <ul>
          {errors.map((e) => (
            <li>{errorText(v, e)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function TextField(p: FieldProps) {
  const mine = p.errors.filter((e) => e.field === p.id);
  return (
    <div class={mine.length ? 'field field-error' : 'field'}>
      <label for={p.id}>{p.label}</label>
      {p.hint && (
        <p id={`${p.id}-hint`} class="hint">
          {p.hint}
        </p>
      )}
      <FieldErrors v={p.v} id={p.id} errors={mine} />
      <input
        type="text"
        id={p.id}
        name={p.id}
        value={p.value ?? ''}
        inputmode={p.numeric ? 'numeric' : undefined}
        autocomplete={p.autocomplete ?? 'off'}
        spellcheck={false}
        maxlength={p.maxlength}
        aria-describedby={describedBy(p.id, Boolean(p.hint), mine.length > 0)}
        aria-invalid={mine.length ? 'true' : undefined}
      />
    </div>
  );
}

const time = (v: View, d: Date) => formatTime(d.toISOString(), v.locale);

// ---------------------------------------------------------------------------------------------
// Home

export function HomePage({ v }: { v: View }) {
  const { t } = v;
  const items: [string, string, string][] = [
    ['/status', 'web:home.status', 'web:home.status_hint'],
    ['/registration', 'web:home.registration', 'web:home.registration_hint'],
    ['/bundle', 'web:home.bundle', 'web:home.bundle_hint'],
    ['/bundles', 'web:home.bundles', 'web:home.bundles_hint'],
    ['/token', 'web:home.token', 'web:home.token_hint'],
    ['/centres', 'web:home.centres', 'web:home.centres_hint'],
  ];
  return (
    <Layout v={v} title={t('web:home.title')} home>
      <p>{t('web:home.intro')}</p>
      <nav aria-label={t('web:home.services')}>
        <ul class="services">
          {items.map(([href, label, hint]) => (
            <li>
              <a href={href}>
                {t(label)}
                <span>{t(hint)}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Consignment and registration status

export function consignmentLine(v: View, c: ConsignmentView): string {
  const { t } = v;
  const ccrn = grouped(c.ccrn);
  switch (c.status) {
    case 'submitted':
      return t(CONSIGNMENT_STATUS.submitted.web, { ccrn });
    case 'bundled':
      return t(CONSIGNMENT_STATUS.bundled.web, { ccrn, vehicle: formatVehicleMark(c.vehicleMark ?? ''), time: time(v, c.bundledAt ?? c.expectedCrossingAt) });
    case 'crossed':
      return t(CONSIGNMENT_STATUS.crossed.web, {
        ccrn,
        place: c.controlPoint ? t(`common:place.${c.controlPoint}`) : '-',
        time: time(v, c.crossedAt ?? c.expectedCrossingAt),
      });
    case 'cancelled':
      return t(CONSIGNMENT_STATUS.cancelled.web, { ccrn });
    case 'expired':
      return t(CONSIGNMENT_STATUS.expired.web, { ccrn });
  }
}

export const registrationLine = (v: View, r: Pick<RegistrationView, 'refNo' | 'status'>): string =>
  v.t(REGISTRATION_STATUS[r.status].web, { refNo: grouped(r.refNo, 5) });

export function StatusPage({ v, ccrn, errors, result }: { v: View; ccrn: string; errors: FieldError[]; result?: ConsignmentView }) {
  const { t } = v;
  return (
    <Layout v={v} title={t('web:status.title')} errors={errors}>
      {result && (
        <div class="success" role="status">
          <h2>{consignmentLine(v, result)}</h2>
          <dl class="summary">
            <dt>{t('web:field.direction')}</dt>
            <dd>{t(`web:direction.${result.direction}`)}</dd>
            <dt>{t('web:field.packages')}</dt>
            <dd>{result.packages}</dd>
            <dt>{t('web:field.declared_crossing')}</dt>
            <dd>{time(v, result.expectedCrossingAt)}</dd>
            {result.bundleRef && (
              <>
                <dt>{t('web:field.bundle_ref')}</dt>
                <dd>{grouped(result.bundleRef, 3)}</dd>
              </>
            )}
          </dl>
        </div>
      )}
      <form method="post" action="/status">
        <Csrf v={v} />
        <TextField v={v} id="ccrn" label={t('web:field.ccrn')} hint={t('web:hint.ccrn')} value={ccrn} errors={errors} numeric maxlength={40} />
        <button type="submit">{t('web:button.check')}</button>
      </form>
    </Layout>
  );
}

export function RegistrationPage({ v, refNo, errors, result }: { v: View; refNo: string; errors: FieldError[]; result?: RegistrationView }) {
  const { t } = v;
  return (
    <Layout v={v} title={t('web:registration.title')} errors={errors}>
      {result && (
        <div class="success" role="status">
          <h2>{registrationLine(v, result)}</h2>
          {result.status === 'awaiting_visit' && result.letterStillValid && <p>{t('web:registration.letter_valid')}</p>}
          {(result.status === 'more_info_required' || result.status === 'rejected') && <p>{t('web:registration.call')}</p>}
        </div>
      )}
      <form method="post" action="/registration">
        <Csrf v={v} />
        <TextField v={v} id="refNo" label={t('web:field.reg_ref')} hint={t('web:hint.reg_ref')} value={refNo} errors={errors} numeric maxlength={40} />
        <button type="submit">{t('web:button.check')}</button>
      </form>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Bundling and my bundles: driver number, token code, then the work

export type DriverFlow = 'bundle' | 'bundles';

const flowTitle = (v: View, flow: DriverFlow) => v.t(flow === 'bundle' ? 'web:bundle.title' : 'web:bundles.title');

function StepCaption({ v, step, of }: { v: View; step: number; of: number }) {
  return <p class="hint">{v.t('web:step', { step, of })}</p>;
}

export function DriverStep({ v, flow, driverNo, errors }: { v: View; flow: DriverFlow; driverNo: string; errors: FieldError[] }) {
  const { t } = v;
  return (
    <Layout v={v} title={flowTitle(v, flow)} errors={errors}>
      <StepCaption v={v} step={1} of={flow === 'bundle' ? 4 : 3} />
      <p>{t(flow === 'bundle' ? 'web:bundle.intro' : 'web:bundles.intro')}</p>
      <form method="post" action="/driver">
        <Csrf v={v} />
        <input type="hidden" name="next" value={flow} />
        <TextField v={v} id="driverNo" label={t('web:field.driver_no')} hint={t('web:hint.driver_no')} value={driverNo} errors={errors} numeric maxlength={30} />
        <button type="submit">{t('web:button.continue')}</button>
      </form>
    </Layout>
  );
}

export interface Carry {
  vehicle: string;
  ccrns: string;
}

function CarryFields({ carry }: { carry?: Carry }) {
  if (!carry) return null;
  return (
    <>
      <input type="hidden" name="vehicle" value={carry.vehicle} />
      <input type="hidden" name="ccrns" value={carry.ccrns} />
    </>
  );
}

function ForgetDriver({ v }: { v: View }) {
  return (
    <form method="post" action="/sign-out" class="inline">
      <Csrf v={v} />
      <button type="submit" class="secondary">
        {v.t('web:button.other_driver')}
      </button>
    </form>
  );
}

/** Before a code is given: only the driver number typed, never anything about the driver or the token. */
export function CodeStep(p: { v: View; flow: DriverFlow; driverNo: string; errors: FieldError[]; carry?: Carry; notice?: string }) {
  const { v } = p;
  const { t } = v;
  return (
    <Layout v={v} title={flowTitle(v, p.flow)} errors={p.errors}>
      <StepCaption v={v} step={2} of={p.flow === 'bundle' ? 4 : 3} />
      {p.notice && <p class="notice">{t(p.notice)}</p>}
      <p>{t('web:code.for_driver', { driverNo: grouped(p.driverNo) })}</p>
      <form method="post" action="/code">
        <Csrf v={v} />
        <input type="hidden" name="next" value={p.flow} />
        <CarryFields carry={p.carry} />
        <TextField v={v} id="code" label={t('web:field.code')} hint={t('web:hint.code')} value="" errors={p.errors} numeric maxlength={12} autocomplete="one-time-code" />
        <button type="submit">{t('web:button.continue')}</button>
      </form>
      <ForgetDriver v={v} />
    </Layout>
  );
}

export function DetailsStep(p: {
  v: View;
  driverNo: string;
  vehicles: string[];
  vehicle: string;
  ccrns: string;
  errors: FieldError[];
  authorisedUntil: Date;
  /** The token's expiry when it must be replaced soon (the driver is authorised here). */
  tokenReminder?: string;
}) {
  const { v } = p;
  const { t } = v;
  const vehicleErrors = p.errors.filter((e) => e.field === 'vehicle');
  const ccrnErrors = p.errors.filter((e) => e.field === 'ccrns');
  return (
    <Layout v={v} title={t('web:bundle.title')} errors={p.errors}>
      <StepCaption v={v} step={3} of={4} />
      <p>{t('web:details.authorised', { driverNo: grouped(p.driverNo), time: time(v, p.authorisedUntil) })}</p>
      {p.tokenReminder && <TokenReminder v={v} expiresOn={p.tokenReminder} />}
      <form method="post" action="/bundle/details">
        <Csrf v={v} />
        <div class={vehicleErrors.length ? 'field field-error' : 'field'}>
          <label for="vehicle">{t('web:field.vehicle')}</label>
          <p id="vehicle-hint" class="hint">
            {t('web:hint.vehicle')}
          </p>
          <FieldErrors v={v} id="vehicle" errors={vehicleErrors} />
          <select
            id="vehicle"
            name="vehicle"
            aria-describedby={describedBy('vehicle', true, vehicleErrors.length > 0)}
            aria-invalid={vehicleErrors.length ? 'true' : undefined}
          >
            {p.vehicles.length !== 1 && (
              <option value="" selected={!p.vehicle}>
                {t('web:details.choose_vehicle')}
              </option>
            )}
            {p.vehicles.map((mark) => (
              <option value={mark} selected={mark === p.vehicle || p.vehicles.length === 1}>
                {formatVehicleMark(mark)}
              </option>
            ))}
          </select>
        </div>
        <div class={ccrnErrors.length ? 'field field-error' : 'field'}>
          <label for="ccrns">{t('web:field.ccrns')}</label>
          <p id="ccrns-hint" class="hint">
            {t('web:hint.ccrns')}
          </p>
          <FieldErrors v={v} id="ccrns" errors={ccrnErrors} />
          <textarea
            id="ccrns"
            name="ccrns"
            rows={5}
            spellcheck={false}
            inputmode="numeric"
            aria-describedby={describedBy('ccrns', true, ccrnErrors.length > 0)}
            aria-invalid={ccrnErrors.length ? 'true' : undefined}
          >
            {p.ccrns}
          </textarea>
        </div>
        <button type="submit">{t('web:button.continue')}</button>
      </form>
      <ForgetDriver v={v} />
    </Layout>
  );
}

export function ConfirmStep(p: { v: View; vehicle: string; ccrns: string; consignments: ConsignmentView[] }) {
  const { v } = p;
  const { t } = v;
  const direction = p.consignments[0]?.direction ?? 'inbound';
  return (
    <Layout v={v} title={t('web:bundle.title')}>
      <StepCaption v={v} step={4} of={4} />
      <h2>{t('web:confirm.heading')}</h2>
      <dl class="summary">
        <dt>{t('web:field.vehicle')}</dt>
        <dd>{formatVehicleMark(p.vehicle)}</dd>
        <dt>{t('web:field.direction')}</dt>
        <dd>{t(`web:direction.${direction}`)}</dd>
      </dl>
      <table>
        <caption>{t('web:confirm.caption', { count: p.consignments.length })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('web:field.ccrn')}</th>
            <th scope="col">{t('web:field.packages')}</th>
            <th scope="col">{t('web:field.declared_crossing')}</th>
          </tr>
        </thead>
        <tbody>
          {p.consignments.map((c) => (
            <tr>
              <td>{grouped(c.ccrn)}</td>
              <td>{c.packages}</td>
              <td>{time(v, c.expectedCrossingAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action="/bundle/confirm" class="inline">
        <Csrf v={v} />
        <CarryFields carry={{ vehicle: p.vehicle, ccrns: p.ccrns }} />
        <button type="submit">{t('web:button.bundle')}</button>
      </form>
      <form method="post" action="/bundle/edit" class="inline">
        <Csrf v={v} />
        <CarryFields carry={{ vehicle: p.vehicle, ccrns: p.ccrns }} />
        <button type="submit" class="secondary">
          {t('web:button.change')}
        </button>
      </form>
    </Layout>
  );
}

/** "Your token expires on ... and needs replacing", for an authorised driver only. */
function TokenReminder({ v, expiresOn }: { v: View; expiresOn: string }) {
  return (
    <p class="notice">
      {v.t('web:code.replace_soon', { date: formatDate(expiresOn, v.locale) })} <a href="/token">{v.t('web:code.how_to_replace')}</a>
    </p>
  );
}

export function DonePage({ v, bundle, late, tokenReminder }: { v: View; bundle: Bundle; late: string[]; tokenReminder?: string }) {
  const { t } = v;
  return (
    <Layout v={v} title={t('web:done.title')}>
      <div class="success" role="status">
        <h2>{t('web:done.heading')}</h2>
        <p>
          {t('web:colon', { label: t('web:field.bundle_ref') })} <span class="big">{grouped(bundle.bundleRef, 3)}</span>
        </p>
        <p>
          {t('web:colon', { label: t('web:field.earliest_crossing') })} <span class="big">{time(v, bundle.earliestCrossingAt)}</span>
        </p>
      </div>
      {late.length > 0 && <p class="notice">{t('web:done.late', { ccrns: late.map((c) => grouped(c)).join(', ') })}</p>}
      {tokenReminder && <TokenReminder v={v} expiresOn={tokenReminder} />}
      <dl class="summary">
        <dt>{t('web:field.vehicle')}</dt>
        <dd>{formatVehicleMark(bundle.vehicleMark)}</dd>
        <dt>{t('web:field.direction')}</dt>
        <dd>{t(`web:direction.${bundle.direction}`)}</dd>
        <dt>{t('web:field.ccrns')}</dt>
        <dd>
          {bundle.ccrns.map((c) => (
            <div>{grouped(c)}</div>
          ))}
        </dd>
      </dl>
      <p>
        <a href="/bundle">{t('web:done.another')}</a>
      </p>
      <p>
        <a href="/bundles">{t('web:home.bundles')}</a>
      </p>
    </Layout>
  );
}

export function BundlesPage({ v, bundles, errors, cancelled }: { v: View; bundles: Bundle[]; errors: FieldError[]; cancelled?: string }) {
  const { t } = v;
  return (
    <Layout v={v} title={t('web:bundles.title')} errors={errors}>
      {cancelled && (
        <p class="success" role="status">
          {t('web:bundles.cancelled', { bundleRef: grouped(cancelled, 3) })}
        </p>
      )}
      {bundles.length === 0 ? (
        <p>{t('web:bundles.none')}</p>
      ) : (
        bundles.map((b) => (
          <section aria-labelledby={`b${b.bundleRef}`}>
            <h2 id={`b${b.bundleRef}`}>{t('web:bundles.heading', { bundleRef: grouped(b.bundleRef, 3), vehicle: formatVehicleMark(b.vehicleMark) })}</h2>
            <dl class="summary">
              <dt>{t('web:field.direction')}</dt>
              <dd>{t(`web:direction.${b.direction}`)}</dd>
              <dt>{t('web:field.ccrns')}</dt>
              <dd>
                {b.ccrns.map((c) => (
                  <div>{grouped(c)}</div>
                ))}
              </dd>
              <dt>{t('web:field.earliest_crossing')}</dt>
              <dd>{time(v, b.earliestCrossingAt)}</dd>
            </dl>
            <form method="post" action="/bundles/cancel">
              <Csrf v={v} />
              <input type="hidden" name="bundleRef" value={b.bundleRef} />
              <button type="submit" class="warning" id={`cancel-${b.bundleRef}`}>
                {t('web:bundles.cancel', { bundleRef: grouped(b.bundleRef, 3) })}
              </button>
            </form>
          </section>
        ))
      )}
      <p>
        <a href="/bundle">{t('web:home.bundle')}</a>
      </p>
      <ForgetDriver v={v} />
    </Layout>
  );
}

export function CancelConfirmPage({ v, bundle }: { v: View; bundle: Bundle }) {
  const { t } = v;
  return (
    <Layout v={v} title={t('web:cancel.title', { bundleRef: grouped(bundle.bundleRef, 3) })}>
      <p>{t('web:cancel.explain', { vehicle: formatVehicleMark(bundle.vehicleMark), count: bundle.ccrns.length })}</p>
      <form method="post" action="/bundles/cancel" class="inline">
        <Csrf v={v} />
        <input type="hidden" name="bundleRef" value={bundle.bundleRef} />
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" class="warning">
          {t('web:cancel.yes')}
        </button>
      </form>
      <p>
        <a href="/bundles">{t('web:cancel.no')}</a>
      </p>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Token replacement and centres

export function TokenPage(p: {
  v: View;
  bring: string[];
  representative: string[];
  driverNo: string;
  errors: FieldError[];
  status?: TokenStatusView;
}) {
  const { v } = p;
  const { t } = v;
  const s = p.status;
  return (
    <Layout v={v} title={t('web:token.title')} errors={p.errors}>
      <p>{t('web:token.which')}</p>
      <h2>{t('web:token.bring_heading')}</h2>
      <ul>
        {p.bring.map((k) => (
          <li>{t(k)}</li>
        ))}
      </ul>
      <h2>{t('web:token.representative_heading')}</h2>
      <ul>
        {p.representative.map((k) => (
          <li>{t(k)}</li>
        ))}
      </ul>
      <h2>{t('web:token.where_heading')}</h2>
      <p>
        {t('web:token.where')} <a href="/centres">{t('web:home.centres')}</a>
      </p>
      <h2 id="check">{t('web:token.check_heading')}</h2>
      {s && (
        <div class={s.needsReplacing ? 'notice' : 'success'} role="status">
          <p>
            {t(s.expired ? 'web:token.status_expired' : s.needsReplacing ? 'web:token.status_replace' : 'web:token.status_ok', {
              serial: s.serial,
              colour: t(`common:colour.${s.labelColour}`, { defaultValue: s.labelColour }),
              date: formatDate(s.expiresOn, v.locale),
            })}
          </p>
          {s.locked && s.lockedUntil && <p>{t('web:token.status_locked', { until: formatTime(s.lockedUntil, v.locale) })}</p>}
        </div>
      )}
      <form method="post" action="/token">
        <Csrf v={v} />
        <TextField v={v} id="driverNo" label={t('web:field.driver_no')} hint={t('web:hint.driver_no')} value={p.driverNo} errors={p.errors} numeric maxlength={30} />
        <TextField v={v} id="code" label={t('web:field.code')} hint={t('web:hint.code')} value="" errors={p.errors} numeric maxlength={12} autocomplete="one-time-code" />
        <button type="submit">{t('web:button.check')}</button>
      </form>
    </Layout>
  );
}

/** Opening hours grouped the way they are published: every day, Mon to Sat + Sun, or Mon to Fri + Sat + Sun. */
function hoursText(v: View, p: PlaceView): [string, string][] {
  if ('allDay' in p.hours) return [['', v.t('web:centres.all_day')]];
  const days = p.hours.days;
  const spans = (d: number) => {
    const list = days[d] ?? [];
    return list.length ? list.map(([a, b]) => `${a}-${b}`).join(', ') : v.t('web:centres.closed_day');
  };
  const week = [1, 2, 3, 4, 5, 6, 0].map(spans);
  const line = (label: string, text: string): [string, string] => [v.t('web:colon', { label: v.t(label) }), text];
  if (week.every((x) => x === week[0])) return [line('web:centres.every_day', week[0]!)];
  if (week.slice(0, 6).every((x) => x === week[0])) return [line('web:centres.mon_sat', week[0]!), line('web:centres.sun', week[6]!)];
  return [line('web:centres.mon_fri', week[0]!), line('web:centres.sat', week[5]!), line('web:centres.sun', week[6]!)];
}

export function CentresPage({ v, places, now, holiday }: { v: View; places: PlaceView[]; now: Date; holiday: boolean }) {
  const { t } = v;
  const name = (p: PlaceView) => t(`common:place.${p.key}`, { defaultValue: v.locale === 'en' ? p.nameEn : p.nameZh });
  const table = (caption: string, rows: PlaceView[]) => (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('web:centres.place')}</th>
          <th scope="col">{t('web:centres.hours')}</th>
          <th scope="col">{t('web:centres.now')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((p) => (
          <tr>
            <th scope="row">{name(p)}</th>
            <td>
              {hoursText(v, p).map(([label, text]) => (
                <div>
                  {label} <span class="nowrap">{text}</span>
                </div>
              ))}
            </td>
            <td class={p.openNow ? 'open' : 'closed'}>{t(p.openNow ? 'web:centres.open' : 'web:centres.closed')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <Layout v={v} title={t('web:centres.title')}>
      <p>{t('web:centres.intro', { time: time(v, now) })}</p>
      {holiday && <p class="notice">{t('web:centres.holiday')}</p>}
      {table(
        t('web:centres.post_offices'),
        places.filter((p) => p.kind === 'post_office'),
      )}
      {table(
        t('web:centres.control_points'),
        places.filter((p) => p.kind === 'control_point'),
      )}
      <p>{t('web:centres.cp_note')}</p>
    </Layout>
  );
}

export function ProblemPage({ v, title, body }: { v: View; title: string; body: string }) {
  return (
    <Layout v={v} title={title}>
      <p>{body}</p>
    </Layout>
  );
}
