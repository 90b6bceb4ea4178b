/**
 * Attack: an operator's browser sends requests of its own through the proxy (a form POST, a
 * script's PUT or DELETE, a WebSocket) with its `tandem_p` cookie, so the origin would see the
 * customer's cookies. Whatever TANDEM_OPERATOR_CONTROL says, none of it may reach the origin:
 * operators act through the customer's page, where the hub applies the control mode.
 */

import t from 'tap';
import WebSocket from 'ws';
import { request, FRAME_NAV } from '../fixtures/origins/http-client.js';
import { HubClient } from '../helpers/hub-client.js';
import { callAndRespond, startAttackBed } from './attack-helpers.js';

const FORM = { ...FRAME_NAV, 'content-type': 'application/x-www-form-urlencoded' };

function openSocket(url: string, cookie: string): Promise<{ opened: boolean; status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { cookie } });
    ws.once('open', () => {
      ws.terminate();
      resolve({ opened: true, status: 101 });
    });
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      resolve({ opened: false, status: res.statusCode ?? 0 });
    });
    ws.once('error', () => resolve({ opened: false, status: 0 }));
  });
}

for (const mode of ['always', 'ask', 'never'] as const) {
  t.test(
    `attack-operator-posts: with TANDEM_OPERATOR_CONTROL=${mode}, an operator's own POST, PUT, DELETE or WebSocket never reaches the origin`,
    async (t) => {
      const bed = await startAttackBed({ TANDEM_OPERATOR_CONTROL: mode });
      t.teardown(() => bed.close());
      const { site } = bed.origins;
      const s = await callAndRespond(bed.url);
      if (mode === 'ask') {
        // The customer has even granted control: acting still goes through the customer's page only.
        const customer = await HubClient.connectReplayed(bed.url, s.customer);
        t.teardown(() => customer.terminate());
        customer.send({ k: 'session/control', op: 'control', a: 'all', d: { granted: true } });
        await customer.until(() => customer.commands().some((c) => c.op === 'control'), 'the grant to be logged');
      }
      const operatorCookie = `tandem_p=${s.operator}`;

      const postsBefore = site.counters.posts;
      const submitsBefore = site.counters.hits.get('/submit') ?? 0;
      const post = await request(`${bed.url}/submit`, {
        method: 'POST',
        headers: { ...FORM, cookie: operatorCookie },
        body: 'name=Mallory',
      });
      t.equal(post.status, 403, 'the form POST is refused');
      t.notMatch(post.text, /Thanks/, 'with no answer from the origin');
      for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const r = await request(`${bed.url}/submit`, {
          method,
          headers: { cookie: operatorCookie, 'content-type': 'text/plain', 'content-length': 1 },
          body: 'x',
        });
        t.equal(r.status, 403, `${method} is refused`);
      }
      const other = await request(`${bed.url}/__tandem/o/http/${new URL(bed.origins.second.url).host}/page`, {
        method: 'POST',
        headers: { ...FORM, cookie: operatorCookie },
        body: 'x=1',
      });
      t.equal(other.status, 403, 'on an allowed further origin too');
      t.equal(site.counters.posts, postsBefore, 'the origin counted no submission');
      t.equal(site.counters.hits.get('/submit') ?? 0, submitsBefore, 'no request reached /submit at the origin');
      t.equal(bed.origins.second.counters.hits.get('/page') ?? 0, 0, 'nor the further origin');

      const socketsBefore = site.counters.sockets;
      const ws = await openSocket(`ws://127.0.0.1:${bed.api.gw.port}/ws`, operatorCookie);
      t.notOk(ws.opened, "the operator's WebSocket to the origin is refused");
      t.equal(site.counters.sockets, socketsBefore, 'the origin saw no socket');

      const get = await request(`${bed.url}/page2`, { headers: { ...FRAME_NAV, cookie: operatorCookie } });
      t.equal(get.status, 200, 'an operator still loads pages with GET');

      const customerPost = await request(`${bed.url}/submit`, {
        method: 'POST',
        headers: { ...FORM, cookie: `tandem_p=${s.customer}` },
        body: 'name=Ann',
      });
      t.equal(customerPost.status, 200, "the customer's POST is unaffected");
      t.match(customerPost.text, 'Thanks, Ann');
      t.equal(site.counters.posts, postsBefore + 1, 'and reaches the origin once');
      const customerWs = await openSocket(`ws://127.0.0.1:${bed.api.gw.port}/ws`, `tandem_p=${s.customer}`);
      t.ok(customerWs.opened, "the customer's WebSocket is unaffected");
    },
  );
}
