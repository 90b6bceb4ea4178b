import t from 'tap';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { startHubFixture } from './hub-fixture.js';
import { runHubSuite } from './hub.suite.js';

let redis: RedisServer;
t.before(async () => {
  redis = await startRedis();
});
t.teardown(() => redis.close());

runHubSuite(t, (opts) => startHubFixture({ ...opts, redisUrl: redis.url }));
