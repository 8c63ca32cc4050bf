/**
 * The web form's pages (hono/jsx, rendered on the server; no script at all). Every page takes a
 * `View` (language, `t`, CSRF token, path) and plain data; routes.ts decides which to show.
 */
import type { ConsignmentView, RegistrationView } from '../../core/services.js';
import { formatVehicleMark } from '../../core/identifiers.js';
import type { FieldError } from './forms.js';
import { grouped } from './forms.js';
import { Csrf, Layout, TextField, time, type View } from './pages-layout.js';
import { CONSIGNMENT_STATUS, REGISTRATION_STATUS } from '../../flows/catalogue.js';

export { errorText, Layout, LANGUAGE_NAMES, type T, type View } from './pages-layout.js';
export * from './pages-bundle.js';
export * from './pages-info.js';

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

export function ProblemPage({ v, title, body }: { v: View; title: string; body: string }) {
  return (
    <Layout v={v} title={title}>
      <p>{body}</p>
    </Layout>
  );
}
