import t from 'tap';
import http from 'node:http';
import { Socket } from 'node:net';
import { assignRequestId, isSaneRequestId, requestId } from '../../../../gateway/ops/request-id.js';
import { routeLabel } from '../../../../gateway/ops/health.js';

function request(headers: http.IncomingHttpHeaders): http.IncomingMessage {
  const req = new http.IncomingMessage(new Socket());
  req.headers = headers;
  return req;
}

t.test('request-id: ids from load balancers are kept, anything odd is replaced', async (t) => {
  for (const ok of ['abc', '0f8fad5b-d9cb-469f-a165-70867728950e', 'lb.1:2_3-4', 'a'.repeat(128)]) t.ok(isSaneRequestId(ok), ok);
  for (const bad of ['', ' x', 'a b', 'x"y', 'a'.repeat(129), '-lead', 'é', 'x\ny']) t.notOk(isSaneRequestId(bad), JSON.stringify(bad));
  t.notOk(isSaneRequestId(['a', 'b']), 'a repeated header');
});

t.test('request-id: assigned once, echoed, and the same for every reader', async (t) => {
  const req = request({ 'x-request-id': 'keep-me' });
  const res = new http.ServerResponse(req);
  t.equal(assignRequestId(req, res), 'keep-me');
  t.equal(res.getHeader('x-request-id'), 'keep-me');
  t.equal(requestId(req), 'keep-me');

  const odd = request({ 'x-request-id': 'has spaces' });
  const id = requestId(odd);
  t.match(id, /^[0-9a-f-]{36}$/);
  t.equal(requestId(odd), id, 'stable once given');
  t.equal(odd.headers['x-request-id'], id, 'what the origin is sent is what is logged');
});

t.test('request-id: the request counter keeps a small set of route labels', async (t) => {
  t.equal(routeLabel('/account?x=1'), 'origin');
  t.equal(routeLabel('/__tandem/o/https/static.example/a.css'), 'origin');
  t.equal(routeLabel('/__tandem/api/sessions/abc/join'), 'api');
  t.equal(routeLabel('/__tandem/hub?token=x'), 'hub');
  t.equal(routeLabel('/__tandem/anything-else/123'), 'other');
});
