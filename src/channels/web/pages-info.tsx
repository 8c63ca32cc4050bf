/** The web form's token replacement and centres pages. */
import type { PlaceView, TokenStatusView } from '../../core/services.js';
import { formatDate, formatTime } from '../../i18n.js';
import type { FieldError } from './forms.js';
import { grouped } from './forms.js';
import { Csrf, Layout, TextField, time, type View } from './pages-layout.js';

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
