/** The web form's bundling pages: driver number, token code, vehicle and CCRNs, confirmation, result, my bundles. */
import type { Bundle } from '../../core/types.js';
import type { ConsignmentView } from '../../core/services.js';
import { formatVehicleMark } from '../../core/identifiers.js';
import { formatDate } from '../../i18n.js';
import type { FieldError } from './forms.js';
import { grouped } from './forms.js';
import { Csrf, describedBy, FieldErrors, Layout, TextField, time, type View } from './pages-layout.js';

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

