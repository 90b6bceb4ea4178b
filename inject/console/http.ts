/** The console's REST calls: same-origin, the console cookie carries the login. */

export interface Reply<T> {
  ok: boolean;
  status: number;
  body: T & { error?: string; message?: string };
}

export async function request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    return { ok: false, status: 0, body: { message: 'the gateway cannot be reached' } as T & { message: string } };
  }
  const parsed = (await res.json().catch(() => ({}))) as T & { error?: string; message?: string };
  return { ok: res.ok, status: res.status, body: parsed };
}

/** The session URL an operator is taken to. */
export function sessionUrl(id: string): string {
  return `/__tandem/s/${encodeURIComponent(id)}`;
}

export const $ = <T extends HTMLElement = HTMLElement>(id: string, root: ParentNode = document): T =>
  root.querySelector<T>(`[data-tandem="${id}"]`)!;

/** A text-only element: whatever a session or a customer supplied is never parsed as markup. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
