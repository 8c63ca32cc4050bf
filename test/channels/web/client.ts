/**
 * A tiny form-posting browser over `app.request()`: keeps cookies, sends the page's Origin, follows
 * redirects, and fills the CSRF field from the last page, as a browser with JavaScript off would.
 * Its address goes in X-Forwarded-For, as a proxy in front of us would write it: the app counts it
 * as the client only with TRUST_PROXY=1 (app.request() has no socket; with 0 every client is one).
 */
import type { Hono } from 'hono';

export interface Page {
  status: number;
  url: string;
  html: string;
  headers: Headers;
}

const ORIGIN = 'http://localhost';

export class FormClient {
  cookies = new Map<string, string>();
  last: Page | null = null;

  constructor(
    private app: Hono,
    private ip = '203.0.113.' + Math.floor(Math.random() * 200 + 1),
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (/max-age=0/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(path: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Page> {
    let method = init.method ?? 'GET';
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
    let url = path;
    for (let hops = 0; hops < 5; hops++) {
      const headers: Record<string, string> = { 'x-forwarded-for': this.ip, cookie: this.cookieHeader(), ...init.headers };
      if (method === 'POST') {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        headers.origin ??= ORIGIN;
      }
      const res = await this.app.request(ORIGIN + url, { method, headers, ...(body !== undefined ? { body } : {}) });
      this.keep(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        url = location;
        method = 'GET';
        body = undefined;
        continue;
      }
      this.last = { status: res.status, url, html: await res.text(), headers: res.headers };
      return this.last;
    }
    throw new Error('too many redirects');
  }

  get(path: string) {
    return this.request(path);
  }

  /** Posts a form with the CSRF token of the last page (or `csrf` when given). */
  post(path: string, form: Record<string, string>, csrf?: string) {
    const token = csrf ?? csrfOf(this.last?.html ?? '');
    return this.request(path, { method: 'POST', form: { _csrf: token, ...form } });
  }
}

export const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** Text content of the page, tags dropped and entities decoded (enough for assertions). */
export function textOf(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
