import t from 'tap';
import { MemoryCommandLog } from '../../store/memory-command-log.js';
import { MemoryDirectory } from '../../store/memory-directory.js';
import type { Published } from '../../store/ordered-subscription.js';
import { runCommandLogSuite } from './command-log.suite.js';
import { runDirectorySuite } from './directory.suite.js';

/** The memory log with the two seams the suite needs: a lost publication and lost data. */
class TestableMemoryLog extends MemoryCommandLog {
  dropNext = false;

  protected override publish(sessionId: string, message: Published): void {
    if (this.dropNext && 'cmd' in message) {
      this.dropNext = false;
      return;
    }
    super.publish(sessionId, message);
  }

  forget(sessionId: string): void {
    this.sessions.delete(sessionId);
  }
}

runCommandLogSuite(t, {
  name: 'memory',
  async create(options) {
    // One process: the "other replica" is the same log.
    const log = new TestableMemoryLog({ maxLen: options?.maxLen });
    return {
      log,
      peer: log,
      dropNextPublish: () => {
        log.dropNext = true;
      },
      forget: async (id) => log.forget(id),
      close: () => log.close(),
    };
  },
});

runDirectorySuite(t, {
  name: 'memory',
  async create() {
    const dir = new MemoryDirectory();
    return { dir, peer: dir, close: () => dir.close() };
  },
});
