/** Limits shared by the hub, the store and the browser code. */

/** A client frame larger than this closes the connection with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Flood control: a token bucket per connection. */
export const FLOOD_RATE_PER_SEC = 300;
export const FLOOD_BURST = 600;
/** Messages dropped (throttled) in a row before the connection is closed with 1008. */
export const FLOOD_DROPS_BEFORE_CLOSE = 200;

/** Bytes buffered towards one slow client before it is closed (it resumes with `since`). */
// 8 MiB: a mirror's snapshot of a large page (a 1 MB DOM is about 4 MB of recording) reaches an
// operator in one burst; at 1 MiB such a burst closed a reader keeping up, through the front door.
export const BACKPRESSURE_LIMIT_BYTES = 8 * 1024 * 1024;

/** Approximate length the per-session stream is trimmed to (`XADD MAXLEN ~`). */
export const LOG_MAX_LEN = 10_000;

/** Longest key, in characters. */
export const MAX_KEY_LENGTH = 512;

/** WebSocket close codes used by the hub. */
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_POLICY = 1008;
export const CLOSE_RESTART = 1012;
export const CLOSE_ENDED = 4000;
export const CLOSE_SLOW = 4001;
