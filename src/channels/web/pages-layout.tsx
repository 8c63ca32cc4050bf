/**
 * What every page of the web form shares: the layout (language links, error summary), form fields
 * with their errors, and the View a page renders with. Pages: pages.tsx and the files it re-exports.
 */
import { WEB_CONTEXT } from './forms.js';
import type { Child } from 'hono/jsx';
import type { Locale } from '../../core/types.js';
import { formatTime } from '../../i18n.js';
import type { FieldError } from './forms.js';

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

export function ErrorSummary({ v, errors }: { v: View; errors: FieldError[] }) {
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

export const Csrf = ({ v }: { v: View }) => <input type="hidden" name="_csrf" value={v.csrf} />;

export interface FieldProps {
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

export function describedBy(id: string, hint: boolean, error: boolean): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export function FieldErrors({ v, id, errors }: { v: View; id: string; errors: FieldError[] }) {
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

export function TextField(p: FieldProps) {
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

export const time = (v: View, d: Date) => formatTime(d.toISOString(), v.locale);

