/**
 * The Lua scripts of the Redis store, kept as strings in TypeScript so they ship inside dist/
 * with the code that calls them (a .lua file beside the sources would need a copy step in every
 * build and image). ioredis runs them with EVALSHA and falls back to EVAL on NOSCRIPT.
 *
 * On a cluster every call touches only keys of one session (one `{sessionId}` hash tag) or only
 * the `{tandem}` indexes, so each runs on a single slot; on a single Redis an append batch may
 * carry several sessions.
 */

/**
 * Appends a batch of commands, grouped by session (a session's appends keep their order), each
 * append atomic on its own, and publishes the batch once. One call carries every append a replica
 * made during one turn of its event loop for sessions with no call in flight
 * (store/redis-append-batches.ts): Redis pays for one script call and one publication instead of
 * N of each.
 * KEYS: on a cluster, per session group its meta, log (stream), state (hash: key → latest
 *       command), sent and sent:old (hashes: `<by length>:<by>:<c>` → seq, see below). All five
 *       are declared, so a cluster refuses the call (TRYAGAIN, ASK) rather than run it while the
 *       session's slot is half migrated. On a single Redis, none: the script builds a session's
 *       keys from the prefix its group carries (`tandem:{<id>}:`, from logKeys in
 *       redis-command-log.ts), and a batch of 90 appends to 90 sessions sends 90 prefixes
 *       instead of 450 keys.
 * ARGV: maxLen, publish verb ('PUBLISH' or 'SPUBLISH'), channel, packed appends.
 *       The appends travel packed in one string (one argument instead of ten per append: ioredis
 *       spent more building those than Redis spends appending). Per group, a line
 *         `<count> <key prefix bytes> <id JSON bytes>\n`
 *       then the key prefix and the session id as a JSON string (for the publication), then per append
 *       a header line
 *         `<by bytes> <c bytes> <k bytes> <body bytes> <compact><retiresBelow><publish> <t>\n`
 *       then by, c ('' for none), k and body (the command's JSON after `{"seq":N,"t":T,`), back
 *       to back. Lengths are in bytes, so no field needs escaping; t is epoch ms from the
 *       caller's clock (redis.call('TIME') cost about 3 µs of the script's 13 µs).
 * Publishes, when any append asks to, ONE message on the channel: a line per command
 *   `{"s":<session id>,"e":"<epoch>","c":<command>}`, joined by newlines (JSON has none raw).
 * Returns per append, in the order given: seq (an integer) | {'duplicate', json} |
 * {'duplicate-trimmed', seq} | 'unknown' | 'ended' | {'error', message}. An append that fails
 * (a key of the wrong type, say) fails alone: Redis does not undo what a script already wrote,
 * so the appends before it in the batch are logged and must be answered as such. (The caller
 * already holds everything of a new command but seq: sending it back would cost a reply of the
 * command's size and a JSON.parse per append.)
 * A group reads its meta once and writes it once (head, and the marks below): nothing else
 * changes them meanwhile. Its client ids are written to sent in one HSET. Every string Lua makes
 * costs (hashed and interned, about 0.15 µs): the headers are read as positions where they can
 * be, and the publication is joined from pieces once.
 *
 * Client ids (idempotent resends, CONTRACT section 7) are any text, unique per sender. Each
 * (by, c) is remembered in sent for a window of the log, not forever: each time seq reaches a
 * multiple of maxLen, sent becomes sent:old (the older generation goes), so a resend is
 * recognised while its first copy is among the last maxLen commands at least, and a session
 * holds at most about 2 × maxLen client ids.
 * Looking each one up cost two HGETs per append (sent, then sent:old). Browsers number their
 * commands (inject/transport.ts: a prefix, then a counter), so the meta also keeps, per sender,
 * the highest client id it has logged, `hwm:<by>`, in shortlex order (longer is higher, then
 * byte order): a client id above it was never logged and needs no lookup, and it travels in the
 * meta's own HMGET and HSET. Only a client id at or below its sender's mark (a resend, or ids
 * that do not rise) is looked up. The marks hold only while every append kept them: `hwmHead`
 * is the head they were kept up to. A session created before them, or appended to by a replica
 * that does not keep them (a rolling upgrade), has a head that moved past hwmHead: its marks
 * are dropped from use for good (hwmHead deleted) and every client id is looked up, as before.
 */
export const APPEND_BATCH_LUA = `
local maxLen, verb, channel, packed = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local out, lines = {}, {}
local at, size, group = 1, string.len(packed), 0
local HEADER = '^(%d+) (%d+) (%d+) (%d+) ()[01][01][01] (%d+)\\n()'

local function failed(err)
  return {'error', type(err) == 'table' and (err.err or 'error') or tostring(err)}
end

-- Shortlex: client id c above mark m (false: no mark yet).
local function above(c, m)
  if not m then return true end
  local lc, lm = string.len(c), string.len(m)
  return lc > lm or (lc == lm and c > m)
end

-- The group's client ids not in sent yet go in one HSET: before a lookup, before sent rotates,
-- at the end of the group.
local function flushSent(g)
  if g.pending and #g.pending > 0 then
    redis.call('HSET', g.sent, unpack(g.pending))
    g.pending, g.pendingAt = {}, {}
  end
end

-- The mark of a sender: read with the meta for the group's first sender, else here.
local function markOf(g, by)
  local m = g.marks[by]
  if m == nil then
    m = redis.call('HGET', g.meta, 'hwm:' .. by) or false
    g.marks[by] = m
  end
  return m
end

-- One append; returns its reply. Once it is in the stream its seq goes in out at once, and it is
-- remembered and published before anything else can fail: head moves to it, a resend finds it
-- and subscribers hear it even if compacting it fails afterwards (it is then answered as an
-- error, and the sender's resend is recognised as a duplicate).
local function append(g, byAt, cAt, kAt, bodyAt, flags, t, to)
  local sentField = false
  if kAt > cAt then
    local by, c = string.sub(packed, byAt, cAt - 1), string.sub(packed, cAt, kAt - 1)
    sentField = (cAt - byAt) .. ':' .. by .. ':' .. c
    if not (g.marks and above(c, markOf(g, by))) then
      flushSent(g)
      local first = redis.call('HGET', g.sent, sentField) or redis.call('HGET', g.old, sentField)
      if first then
        local e = redis.call('XRANGE', g.log, first .. '-0', first .. '-0')
        if e[1] then return {'duplicate', e[1][2][2]} end
        return {'duplicate-trimmed', first}
      end
    elseif g.marks then
      g.marks[by] = c
      g.marked = g.marked or {}
      g.marked[by] = true
    end
  end

  local n = g.head + 1
  local seq = string.format('%d', n)
  local cmd = '{"seq":' .. seq .. ',"t":' .. t .. ',' .. string.sub(packed, bodyAt, to - 1)
  redis.call('XADD', g.log, 'MAXLEN', '~', maxLen, seq .. '-0', 'c', cmd)
  out[#out + 1] = n
  if n % maxLen == 0 then
    flushSent(g)
    redis.call('UNLINK', g.old)
    if redis.call('EXISTS', g.sent) == 1 then redis.call('RENAME', g.sent, g.old) end
  end
  if sentField then
    if not g.pending then g.pending, g.pendingAt = {}, {} end
    g.pending[#g.pending + 1] = sentField
    g.pending[#g.pending + 1] = seq
    g.pendingAt[#g.pendingAt + 1] = #out
  end
  local compact, retires, publish = string.byte(packed, flags, flags + 2)
  if publish == 49 then
    -- Pieces of the publication, joined once at the end (one string per batch, not per line).
    if #lines > 0 then lines[#lines + 1] = '\\n' end
    lines[#lines + 1] = g.line
    lines[#lines + 1] = cmd
    lines[#lines + 1] = '}'
  end

  if compact == 49 then
    local k = string.sub(packed, kAt, bodyAt - 1)
    if retires == 49 then
      -- protocol/keys.ts isBelow: strictly below k means starting with k followed by '/'.
      local prefix = k .. '/'
      local len = string.len(prefix)
      local fields = redis.call('HKEYS', g.state)
      for i = 1, #fields do
        if string.sub(fields[i], 1, len) == prefix then redis.call('HDEL', g.state, fields[i]) end
      end
    end
    redis.call('HSET', g.state, k, cmd)
  end
  return n
end

-- Publishes what was appended and answers. A publication Redis refuses does not make logged
-- appends look failed: subscribers find them in the log (their gap fill and watchdog).
local function finish()
  if #lines > 0 then pcall(redis.call, verb, channel, table.concat(lines)) end
  return out
end

-- Writes what a group changed: its pending client ids (an append whose id could not be
-- remembered is answered as an error: logged, but a resend would be logged again), then head
-- and the marks.
local function close(g, start)
  local ok, err = pcall(flushSent, g)
  if not ok then
    for i = 1, #g.pendingAt do out[g.pendingAt[i]] = failed(err) end
  end
  if g.head == start then return end
  if g.marks then
    local write = {'head', g.head, 'hwmHead', g.head}
    if g.marked then
      for by in pairs(g.marked) do
        write[#write + 1] = 'hwm:' .. by
        write[#write + 1] = g.marks[by]
      end
    end
    redis.call('HSET', g.meta, unpack(write))
  else
    redis.call('HSET', g.meta, 'head', g.head)
    if g.dropMarks then redis.call('HDEL', g.meta, 'hwmHead') end
  end
end

while at <= size do
  group = group + 1
  local count, prefixLen, sidLen, from = string.match(packed, '^(%d+) (%d+) (%d+)\\n()', at)
  if not from then
    -- Only a bug of ours gets here; what was parsed before is logged and answered as such.
    out[#out + 1] = {'error', 'malformed append batch'}
    return finish()
  end
  local sidAt = from + tonumber(prefixLen)
  at = sidAt + tonumber(sidLen)
  local sidEnd = at - 1
  local g = {}
  if #KEYS > 0 then
    local k0 = (group - 1) * 5
    g.meta, g.log, g.state, g.sent, g.old = KEYS[k0 + 1], KEYS[k0 + 2], KEYS[k0 + 3], KEYS[k0 + 4], KEYS[k0 + 5]
  else
    local p = string.sub(packed, from, sidAt - 1)
    g.meta, g.log, g.state, g.sent, g.old = p .. 'meta', p .. 'log', p .. 'state', p .. 'sent', p .. 'sent:old'
  end

  local refused, start
  for i = 1, tonumber(count) do
    local byLen, cLen, kLen, bodyLen, flags, t, byAt = string.match(packed, HEADER, at)
    if not byAt then
      if start and not refused then close(g, start) end
      out[#out + 1] = {'error', 'malformed append batch'}
      return finish()
    end
    local cAt = byAt + tonumber(byLen)
    local kAt = cAt + tonumber(cLen)
    local bodyAt = kAt + tonumber(kLen)
    at = bodyAt + tonumber(bodyLen)
    if i == 1 then
      -- The meta, once per group, with the mark of the first append's sender.
      local by = kAt > cAt and string.sub(packed, byAt, cAt - 1)
      local ok, m
      if by then ok, m = pcall(redis.call, 'HMGET', g.meta, 'epoch', 'status', 'head', 'hwmHead', 'hwm:' .. by)
      else ok, m = pcall(redis.call, 'HMGET', g.meta, 'epoch', 'status', 'head', 'hwmHead') end
      refused = (not ok and failed(m)) or (not m[1] and 'unknown') or (m[2] == 'ended' and 'ended') or false
      if not refused then
        g.epoch, g.head = m[1], tonumber(m[3] or '0')
        start = g.head
        g.line = '{"s":' .. string.sub(packed, sidAt, sidEnd) .. ',"e":"' .. m[1] .. '","c":'
        if m[4] and tonumber(m[4]) == g.head then
          g.marks = {}
          if by then g.marks[by] = m[5] end
        elseif m[4] then
          g.dropMarks = true
        end
      end
    end
    if refused then
      out[#out + 1] = refused
    else
      local before = #out
      local ok2, reply = pcall(append, g, byAt, cAt, kAt, bodyAt, flags, t, at)
      -- The append put its seq in out as soon as it was in the stream; the rest is its reply.
      if #out > before then g.head = out[before + 1] end
      if not ok2 then out[before + 1] = failed(reply)
      else out[before + 1] = reply end
    end
  end
  if start and not refused then close(g, start) end
end
return finish()
`;

/**
 * Creates a session's log unless it exists; leftovers of an earlier life are cleared. Its
 * senders' marks are kept from the start (hwmHead, see APPEND_BATCH_LUA).
 * KEYS: meta, log, state, sent, sent:old   ARGV: epoch, createdAt
 * Returns the meta hash as a flat array.
 */
export const CREATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'head', 0, 'status', 'active', 'createdAt', ARGV[2], 'hwmHead', 0)
end
return redis.call('HGETALL', KEYS[1])
`;

/**
 * Ends a session: status, endedAt (kept if already set), expiry on every key, `ended` published
 * as a line `{"s":<session id>,"e":"<epoch>","ended":true}` (see APPEND_BATCH_LUA).
 * KEYS: meta, log, state, sent, sent:old   ARGV: retentionMs, endedAt, publish verb, channel, session id as JSON
 * Returns 0 when the session is unknown, else 1.
 */
export const END_LUA = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return 0 end
redis.call('HSET', KEYS[1], 'status', 'ended')
redis.call('HSETNX', KEYS[1], 'endedAt', ARGV[2])
for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
if ARGV[3] ~= '' then redis.call(ARGV[3], ARGV[4], '{"s":' .. ARGV[5] .. ',"e":"' .. epoch .. '","ended":true}') end
return 1
`;

/**
 * Directory: writes a session record unless one exists.
 * KEYS: record   ARGV: field, value, field, value...
 * Returns 1 when written, 0 when the record already existed.
 */
export const CREATE_RECORD_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`;

/**
 * Directory: merges fields into a record that exists.
 * KEYS: record   ARGV: field, value, field, value...
 * Returns the record as a flat array (empty when unknown).
 */
export const UPDATE_RECORD_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
`;

/**
 * Directory: ends a record and forgets its presence.
 * KEYS: record, presence   ARGV: retentionMs, endedAt (JSON)
 * Returns the record as a flat array (empty when unknown).
 */
export const END_RECORD_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
redis.call('HSET', KEYS[1], 'status', '"ended"')
redis.call('HSETNX', KEYS[1], 'endedAt', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return redis.call('HGETALL', KEYS[1])
`;

/** Directory: deletes a key only while it still holds the given value. KEYS: key  ARGV: value */
export const DELETE_IF_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Directory: the first operator to take a call wins.
 * KEYS: calls, taken   ARGV: callId, taken (JSON {takenBy, takenAt})
 * Returns the call's JSON to the winner, nil to everyone else.
 */
export const TAKE_CALL_LUA = `
local call = redis.call('HGET', KEYS[1], ARGV[1])
if not call then return false end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return false end
return call
`;

/**
 * Directory: removes every call of a session.
 * KEYS: calls, taken   ARGV: sessionId
 */
export const DROP_CALLS_LUA = `
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local ok, call = pcall(cjson.decode, all[i + 1])
  if ok and type(call) == 'table' and call.sessionId == ARGV[1] then
    redis.call('HDEL', KEYS[1], all[i])
    redis.call('HDEL', KEYS[2], all[i])
  end
end
return 0
`;
