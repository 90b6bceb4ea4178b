/** The REST calls the shell makes (CONTRACT section 6 and the session endpoints). */

export interface SessionGrant {
  id: string;
  code: string;
  token: string;
  role?: 'customer' | 'operator';
  status?: 'waiting' | 'active' | 'ended';
  name?: string;
}

async function call<T>(method: string, path: string, token?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (method === 'POST') headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: method === 'POST' ? '{}' : undefined });
  if (!res.ok) {
    let message = `${res.status}`;
    try {
      const body = (await res.json()) as { message?: string };
      if (body.message) message = body.message;
    } catch {
      /* not JSON */
    }
    throw new Error(message);
  }
  return (await res.json().catch(() => ({}))) as T;
}

const base = '/__tandem/api';

export const api = {
  create: () => call<SessionGrant>('POST', `${base}/sessions`),
  end: (id: string, token: string) => call<unknown>('POST', `${base}/sessions/${encodeURIComponent(id)}/end`, token),
  leave: (id: string, token: string) => call<unknown>('POST', `${base}/sessions/${encodeURIComponent(id)}/leave`, token),
  invite: (id: string, token: string) => call<unknown>('POST', `${base}/sessions/${encodeURIComponent(id)}/invite`, token),
};
