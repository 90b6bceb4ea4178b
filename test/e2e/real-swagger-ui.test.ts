/**
 * Real app: Swagger UI (swagger-ui-dist@5.32.4, a React SPA) as the console of json-server's
 * REST API (json-server@0.17.4). The customer and the operator each fill in a request body and
 * press Execute; every POST reaches json-server exactly once and creates exactly the record typed,
 * and the mirror shows the console as the customer has it.
 */

import t from 'tap';
import { startApiConsole } from '../real-apps/apps.js';
import { callOperator, openCustomer, openOperator, waitForStatus } from './helpers/sharing.js';
import { mirrorMatches, opClick, opPress, opType, sideEffectsAre, startRealEnv, until } from './helpers/real-apps.js';

const CREATE = '#operations-default-createPost';
const LIST = '#operations-default-listPosts';

t.test('real-swagger-ui: requests filled in and executed from both sides reach the API once each', async (t) => {
  const env = await startRealEnv(t, startApiConsole);
  const posts = async () => (await (await fetch(`${env.app.front.url}/posts`)).json()) as { id: number; title: string; author: string }[];
  const customer = await openCustomer(env, '/docs/', { viewport: { width: 1100, height: 800 } });
  customer.context.setDefaultTimeout(10_000);
  const c = customer.content();
  await c.waitForSelector(CREATE, { timeout: 20_000 });

  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await mirrorMatches(t, customer, operator, 'the operator joins', { region: '#swagger-ui', timeout: 20_000 });

  // The customer opens "Create a post", fills the body in and executes it.
  await c.click(`${CREATE} .opblock-summary-control`);
  await c.click(`${CREATE} .try-out__btn`);
  await c.fill(`${CREATE} textarea.body-param__text`, JSON.stringify({ title: 'from the customer', author: 'carol' }));
  await mirrorMatches(t, customer, operator, 'the customer fills a request body in', { region: CREATE });
  await c.click(`${CREATE} button.execute`);
  await until(
    t,
    async () => ((await c.textContent(`${CREATE} .live-responses-table tbody .response-col_status`)) ?? '').includes('201'),
    'the customer sees 201',
  );
  await mirrorMatches(t, customer, operator, 'the customer executes a POST', { region: CREATE });

  // The operator opens "List the posts" and executes it (a GET).
  await opClick(operator, `${LIST} .opblock-summary-control`);
  await until(t, () => c.isVisible(`${LIST} .try-out__btn`), "the list operation opens on the customer's page");
  await opClick(operator, `${LIST} .try-out__btn`);
  await until(t, () => c.isVisible(`${LIST} button.execute`), 'try it out, on the customer page');
  await opClick(operator, `${LIST} button.execute`);
  await until(
    t,
    async () => ((await c.textContent(`${LIST} .live-responses-table`)) ?? '').includes('from the customer'),
    'the list on the customer page',
  );
  await mirrorMatches(t, customer, operator, 'the operator lists the posts', { region: LIST });

  // The operator types a new body into the same console and executes it.
  await opClick(operator, `${CREATE} textarea.body-param__text`);
  await opPress(operator, 'Control+A');
  await opType(operator, '{"title": "from the operator", "author": "alice"}');
  await until(
    t,
    async () => (await c.inputValue(`${CREATE} textarea.body-param__text`)) === '{"title": "from the operator", "author": "alice"}',
    "the operator's body in the customer's textarea",
  );
  await mirrorMatches(t, customer, operator, 'the operator types a request body', { region: CREATE });
  await opClick(operator, `${CREATE} button.execute`);
  await until(t, async () => (await posts()).length === 3, 'a third post');
  await mirrorMatches(t, customer, operator, 'the operator executes a POST', { region: CREATE });

  t.same(
    (await posts()).map((p) => [p.title, p.author]),
    [
      ['json-server', 'typicode'],
      ['from the customer', 'carol'],
      ['from the operator', 'alice'],
    ],
    'json-server holds exactly the two records typed, once each',
  );

  const bob = await openOperator(env, call, { name: 'bob' });
  await mirrorMatches(t, customer, bob, 'a late joiner', { region: CREATE, timeout: 20_000 });

  await sideEffectsAre(t, env.app, ['POST /posts', 'POST /posts'], 'two Executes');
});
