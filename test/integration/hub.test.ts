import t from 'tap';
import { startHubFixture } from './hub-fixture.js';
import { runHubSuite } from './hub.suite.js';

runHubSuite(t, (opts) => startHubFixture(opts));
