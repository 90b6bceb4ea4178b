/** Structured JSON logs (pino). Secrets, tokens and cookies are redacted wherever they appear. */

import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from '../config.js';

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tandem' },
      redact: {
        paths: ['token', 'password', 'secret', 'req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', '*.token', '*.password'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
