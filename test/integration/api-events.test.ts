import t from 'tap';
import { startApiGateway, call, login, cookieFrom, type ApiGateway } from './api-helpers.js';

let g: ApiGateway;
t.before(async () => {
  g = await startApiGateway();
});
t.teardown(() => g.close());

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a Server-Sent Events stream; `next(pred)` waits for the first matching event. */
async function openEvents(url: string, token: string) {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
          for (const w of waiters.splice(0)) w();
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    res,
    async next(pred: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(pred);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no matching event; got ${events.map((e) => e.event).join(', ')}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () => abort.abort(),
  };
}

t.test('api events: a console gets a snapshot, then every new call, the taking and the end', async (t) => {
  const [alice, carol] = [await login(g.url, 'alice'), await login(g.url, 'carol')];
  const before = await call(g.url, 'POST', '/__tandem/api/sessions', { body: { name: 'Early' } });
  const a = await openEvents(`${g.url}/__tandem/api/calls/events`, alice);
  const c = await openEvents(`${g.url}/__tandem/api/calls/events`, carol);
  t.teardown(() => {
    a.close();
    c.close();
  });
  t.match(a.res.headers.get('content-type'), /text\/event-stream/);
  const snap = await a.next((e) => e.event === 'snapshot');
  t.ok(
    (snap.data.calls as { sessionId: string }[]).some((x) => x.sessionId === before.body.id),
    'the snapshot holds the calls already waiting',
  );
  await c.next((e) => e.event === 'snapshot');

  const created = await call(g.url, 'POST', '/__tandem/api/sessions', { body: { name: 'Ada', url: '/transfer' } });
  const id = created.body.id as string;
  for (const sse of [a, c]) {
    const ring = await sse.next((e) => e.event === 'call' && (e.data.call as { sessionId: string }).sessionId === id);
    t.match(ring.data.call, { kind: 'call', code: created.body.code, requestedBy: 'Ada', url: '/transfer' }, 'every console rings');
  }
  t.equal((await call(g.url, 'POST', `/__tandem/api/sessions/${id}/join`, { token: alice })).status, 200);
  for (const sse of [a, c]) {
    const taken = await sse.next((e) => e.event === 'taken' && e.data.session === id);
    t.equal(taken.data.by, 'alice', 'every console sees who took it');
  }
  t.equal(
    (await call(g.url, 'POST', `/__tandem/api/sessions/${id}/join`, { token: carol })).status,
    409,
    'and the next respond is refused',
  );
  await call(g.url, 'POST', `/__tandem/api/sessions/${id}/end`, { token: created.body.token as string });
  await c.next((e) => e.event === 'ended' && e.data.session === id);
  t.pass('the end reaches the consoles');
});

t.test('api: a call without a url takes the customer page from a same-host Referer', async (t) => {
  const host = new URL(g.url).host;
  const r = await call(g.url, 'POST', '/__tandem/api/sessions', { body: {}, headers: { referer: `http://${host}/transfer?to=savings` } });
  const alice = await login(g.url, 'alice');
  const listed = await call(g.url, 'GET', '/__tandem/api/sessions', { token: alice });
  t.equal((listed.body.sessions as { id: string; url: string | null }[]).find((s) => s.id === r.body.id)!.url, '/transfer?to=savings');
  const other = await call(g.url, 'POST', '/__tandem/api/sessions', { body: {}, headers: { referer: 'http://elsewhere.example/phish' } });
  const again = await call(g.url, 'GET', '/__tandem/api/sessions', { token: alice });
  t.equal(
    (again.body.sessions as { id: string; url: string | null }[]).find((s) => s.id === other.body.id)!.url,
    null,
    'another host’s Referer is ignored',
  );
});

t.test('api events: session creation is rate-limited per client address', async (t) => {
  let status = 0;
  let retry: string | null = null;
  for (let i = 0; i < 130 && status !== 429; i++) {
    const r = await call(g.url, 'POST', '/__tandem/api/sessions', { body: {} });
    status = r.status;
    retry = r.headers.get('retry-after');
    if (status === 429) t.equal(r.body.error, 'TANDEM_ERR_RATE_LIMITED');
  }
  t.equal(status, 429, 'a flood of calls from one address is refused');
  t.ok(Number(retry) > 0, 'with a Retry-After');
});

t.test('api: cookies are Secure when the public URL is https', async (t) => {
  const s = await startApiGateway({ TANDEM_PUBLIC_URL: 'https://help.bank.example' });
  t.teardown(() => s.close());
  const r = await call(s.url, 'POST', '/__tandem/api/login', { body: { name: 'alice', password: 'alice-pw' } });
  t.match(cookieFrom(r.headers, 'tandem_console')!.attributes, /; Secure/);
  const c = await call(s.url, 'POST', '/__tandem/api/sessions', { body: {} });
  t.match(cookieFrom(c.headers, 'tandem_p')!.attributes, /; Secure/);
});
