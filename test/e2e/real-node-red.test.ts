/**
 * Real app: Node-RED's flow editor (node-red@4.1.2 on npm), a drag-and-drop editor on SVG with
 * jQuery UI, talking to its runtime over HTTP and a WebSocket. The customer drags a node in from
 * the palette and deploys; the operator runs the flow with the inject button, opens the debug
 * sidebar, moves a node and deploys again. Every step is mirrored; every POST arrives once.
 */

import t from 'tap';
import { startNodeRed } from '../real-apps/apps.js';
import { callOperator, openCustomer, openOperator, waitForStatus } from './helpers/sharing.js';
import { customerDrag, mirrorMatches, opClick, opDrag, sideEffectsAre, startRealEnv, until } from './helpers/real-apps.js';

const CHART = '#red-ui-workspace-chart';

t.test('real-node-red: nodes dragged and flows deployed and run from both sides, each POST once', async (t) => {
  const env = await startRealEnv(t, startNodeRed);
  const customer = await openCustomer(env, '/', { viewport: { width: 1200, height: 800 } });
  customer.context.setDefaultTimeout(10_000);
  const c = customer.content();
  await c.waitForSelector('#inject1', { timeout: 30_000 });
  const nodes = () => c.$$eval(`${CHART} g.red-ui-flow-node-group`, (l) => l.length);
  const deployDisabled = async () => ((await c.getAttribute('#red-ui-header-button-deploy', 'class')) ?? '').includes('disabled');
  t.equal(await nodes(), 2, 'the seeded flow has two nodes');
  // The editor stores its user settings once when it first loads.
  await until(t, async () => env.app.front.count('POST /settings/user') === 1, 'the editor saved its user settings');

  const call = await callOperator(customer);
  const operator = await openOperator(env, call);
  await waitForStatus(customer, 'connected');
  await mirrorMatches(t, customer, operator, 'the operator joins', { region: CHART, timeout: 20_000 });

  // The customer drags a debug node from the palette onto the workspace, then deploys.
  await customerDrag(customer, '.red-ui-palette-node[data-palette-type="debug"]', CHART, { x: 300, y: 300 });
  await until(t, async () => (await nodes()) === 3, 'a third node on the customer workspace');
  await mirrorMatches(t, customer, operator, 'the customer drops a node', { region: CHART });
  await c.click('#red-ui-header-button-deploy');
  await until(t, deployDisabled, 'deployed');
  await mirrorMatches(t, customer, operator, 'the customer deploys', { region: '#red-ui-header' });

  // The operator opens the debug sidebar and presses the inject node's button: the flow runs once.
  await opClick(operator, '#red-ui-tab-debug-link-button');
  await until(t, async () => c.isVisible('.red-ui-debug-content'), "the customer's debug sidebar is open");
  await opClick(operator, '#inject1 .red-ui-flow-node-button-button');
  await until(
    t,
    async () => ((await c.textContent('.red-ui-debug-content')) ?? '').includes('hello from the inject node'),
    'the debug message on the customer page',
  );
  await mirrorMatches(t, customer, operator, 'the operator runs the flow', { region: '.red-ui-debug-content' });

  // The operator moves the inject node on the canvas; the editor says the flows changed.
  const before = await c.getAttribute('#inject1', 'transform');
  await opDrag(operator, '#inject1 rect.red-ui-flow-node', CHART, { x: 260, y: 260 });
  await until(t, async () => (await c.getAttribute('#inject1', 'transform')) !== before, 'the inject node moved on the customer page');
  t.notOk(await deployDisabled(), 'the customer page has undeployed changes');
  await mirrorMatches(t, customer, operator, 'the operator moves a node', { region: CHART });

  // The operator deploys.
  await opClick(operator, '#red-ui-header-button-deploy');
  await until(t, deployDisabled, 'deployed again');
  await mirrorMatches(t, customer, operator, 'the operator deploys', { region: '#red-ui-header' });

  const bob = await openOperator(env, call, { name: 'bob' });
  await mirrorMatches(t, customer, bob, 'a late joiner', { region: CHART, timeout: 20_000 });

  await sideEffectsAre(
    t,
    env.app,
    ['POST /settings/user', 'POST /flows', 'POST /inject/inject1', 'POST /flows'],
    'two deploys and one run',
  );
});
