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
 *       session's slot is half migrated. On a single Redis, none: each group carries its
 *       session's meta, log, state and sent (logKeyList in redis-command-log.ts), and sent:old is
 *       sent's name followed by `:old`, named only when used.
 * ARGV: maxLen, publish verb ('PUBLISH' or 'SPUBLISH'), channel, packed appends.
 *       The appends travel packed in one binary string (one argument instead of ten per append:
 *       ioredis spent more building those than Redis spends appending), read with Redis's
 *       built-in struct library (packBatch in redis-append-batches.ts writes it). Integers are
 *       big-endian, strings are a 4-byte length then their bytes, so no field needs escaping.
 *       Per group `>I4 I4c0 I4c0 I4c0 I4c0 I4c0`: the count of its appends, its meta, log, state
 *       and sent ('' on a cluster: KEYS), and the start of its publication lines
 *       (`{"s":<session id as JSON>,"e":"`); then per append `>B B B I4c0 I4c0 I4c0 I4c0 I4c0`:
 *       compact, retiresBelow and publish (0 or 1), the sender's mark field `hwm:<by>`, c (''
 *       for none), (by, c)'s field in sent (`<by length>:<by>:<c>`), k and the body, the
 *       command's JSON after `{"seq":N,` (so starting with `"t":T,`, t from the caller's clock).
 *       The text headers before cost Redis a Lua string per capture and a strtod per length.
 *       Every Lua string the script makes costs Redis about 0.4 µs (an allocation, and a hash
 *       of every byte) whatever its size: the keys made here from a prefix (one string more
 *       per group), and `hwm:` .. by, cost more than reading them ready-made.
 * Publishes, when any append asks to, ONE message on the channel: a line per command
 *   `{"s":<session id>,"e":"<epoch>","c":<command>}`, joined by newlines (JSON has none raw).
 * Returns per append, in the order given: seq (an integer) | {'duplicate', json} |
 * {'duplicate-trimmed', seq} | 'unknown' | 'ended' | {'error', message}. An append that fails
 * (a key of the wrong type, say) fails alone: Redis does not undo what a script already wrote,
 * so the appends before it in the batch are logged and must be answered as such. (The caller
 * already holds everything of a new command but seq: sending it back would cost a reply of the
 * command's size and a JSON.parse per append.)
 *
 * What Redis spends here besides the XADD is mostly Lua strings and redis.call round trips
 * (perf: making Lua strings alone is about 12 % of Redis's time): Redis's Lua hashes every byte of
 * every string it makes, and Redis 7.0 formats a Lua number given to redis.call with snprintf
 * %.17g. So the packer sends ready-made what Lua would otherwise build (the field in sent, the
 * start of the publication lines), numbers go to redis.call as text, state and sent:old are named
 * only when used, and a group (usually a single append: at 30 commands/s a session rarely has two
 * in one batch) reads its meta once (HMGET) and writes it once (HSET: head and the marks below).
 *
 * Client ids (idempotent resends, CONTRACT section 7) are any text, unique per sender. Each
 * (by, c) is remembered in sent (a group's in one HSET) for a window of the log, not forever: each time seq reaches a
 * multiple of maxLen, sent becomes sent:old (the older generation goes), so a resend is
 * recognised while its first copy is among the last maxLen commands at least, and a session
 * holds at most about 2 × maxLen client ids.
 * Browsers number their commands (inject/transport.ts: a prefix, then a counter), so the meta
 * keeps, per sender, the highest client id it has logged, `hwm:<by>`, in shortlex order (longer
 * is higher, then byte order): a client id above it was never logged and needs no lookup, and
 * the mark travels in the meta's own HMGET and HSET. Only a client id at or below its sender's
 * mark (a resend, or ids that do not rise) is looked up. The marks hold only while every append
 * kept them: `hwmHead` is the head they were kept up to. A session created before them, or
 * appended to by a replica that does not keep them (a rolling upgrade), has a head that moved
 * past hwmHead: its marks are dropped from use for good (hwmHead deleted) and every client id is
 * looked up.
 */
export const APPEND_BATCH_LUA = `
local maxLen, verb, channel, packed = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local period = tonumber(maxLen)
local call, read, format = redis.call, struct.unpack, string.format
local out, lines = {}, {}
local at, size, group, declared = 1, string.len(packed), 0, #KEYS > 0

-- The session group being appended: its keys (sent:old named when first needed), the start of
-- its publication lines and its epoch, head (a number, and seq its text), and its senders' marks.
local meta, log, state, sent, old, lineStart, epoch
local head, seq
local marked, dropMarks
local markField, mark, markMoved
local others
-- Client ids of the group not written to sent yet: the first one's field and seq, the others'
-- (field, seq, field, seq...) if any, and where their appends' answers are in out. (A group is
-- usually one append: two tables per group cost more than their HSET.)
local pending, pendingSeq, pendingAt, more, moreAt

local function failed(err)
  return {'error', type(err) == 'table' and (err.err or 'error') or tostring(err)}
end

-- Shortlex: client id c above mark m (false: no mark yet).
local function above(c, m)
  if not m then return true end
  local lc, lm = string.len(c), string.len(m)
  return lc > lm or (lc == lm and c > m)
end

-- Whether client id c rises above its sender's mark (the field hwm:<by>); if so, the mark moves to it.
local function rises(field, c)
  if not markField then
    markField = field
    mark = call('HGET', meta, field) or false
  end
  if field == markField then
    if above(c, mark) then
      mark, markMoved = c, true
      return true
    end
    return false
  end
  others = others or {}
  local o = others[field]
  if not o then
    o = {field = field}
    o.mark = call('HGET', meta, field) or false
    others[field] = o
  end
  if above(c, o.mark) then
    o.mark, o.moved = c, true
    return true
  end
  return false
end

-- Writes the group's pending client ids to sent, in one HSET.
local function flushSent()
  if pending then
    local f, s, m = pending, pendingSeq, more
    pending, more = nil, nil
    if m then call('HSET', sent, f, s, unpack(m))
    else call('HSET', sent, f, s) end
  end
end

-- One append; returns its reply. Once it is in the stream its seq goes in out at once, and it is
-- remembered and published before anything else can fail: head moves to it, a resend finds it
-- and subscribers hear it even if compacting it fails afterwards (it is then answered as an
-- error, and the sender's resend is recognised as a duplicate).
local function append(compact, retires, publish, markOf, c, field, k, body)
  if c ~= '' and not (marked and rises(markOf, c)) then
    flushSent()
    old = old or sent .. ':old'
    local first = call('HGET', sent, field) or call('HGET', old, field)
    if first then
      local e = call('XRANGE', log, first, first)
      if e[1] then return {'duplicate', e[1][2][2]} end
      return {'duplicate-trimmed', first}
    end
  end

  local n = head + 1
  -- (tostring formats with %.14g: twice the time of %d.)
  local s = format('%d', n)
  local cmd = '{"seq":' .. s .. ',' .. body
  call('XADD', log, 'MAXLEN', '~', maxLen, s, 'c', cmd)
  head, seq = n, s
  out[#out + 1] = n
  if n % period == 0 then
    flushSent()
    old = old or sent .. ':old'
    call('UNLINK', old)
    if call('EXISTS', sent) == 1 then call('RENAME', sent, old) end
  end
  if c ~= '' then
    if not pending then
      pending, pendingSeq, pendingAt = field, s, #out
    elseif more then
      local m = #more
      more[m + 1], more[m + 2] = field, s
      moreAt[#moreAt + 1] = #out
    else
      more, moreAt = {field, s}, {#out}
    end
  end
  if publish == 1 then
    local m = #lines
    lines[m + 1], lines[m + 2], lines[m + 3], lines[m + 4], lines[m + 5] = lineStart, epoch, '","c":', cmd, '}\\n'
  end

  if compact == 1 then
    if retires == 1 then
      -- protocol/keys.ts isBelow: strictly below k means starting with k followed by '/'.
      local below = k .. '/'
      local len = string.len(below)
      local fields = call('HKEYS', state)
      for i = 1, #fields do
        if string.sub(fields[i], 1, len) == below then call('HDEL', state, fields[i]) end
      end
    end
    call('HSET', state, k, cmd)
  end
  return n
end

-- Writes what the group changed: its client ids (an append whose id could not be remembered is
-- answered as an error: logged, but a resend would be logged again), head and the marks that
-- moved.
local function close(start)
  if pending then
    local first, where = pendingAt, more and moreAt
    local ok, err = pcall(flushSent)
    if not ok then
      out[first] = failed(err)
      if where then
        for i = 1, #where do out[where[i]] = failed(err) end
      end
    end
  end
  if head == start then return end
  if not marked then
    call('HSET', meta, 'head', seq)
    if dropMarks then call('HDEL', meta, 'hwmHead') end
  elseif others then
    local write = {'head', seq, 'hwmHead', seq}
    if markMoved then write[5], write[6] = markField, mark end
    for _, o in pairs(others) do
      if o.moved then write[#write + 1], write[#write + 2] = o.field, o.mark end
    end
    call('HSET', meta, unpack(write))
  elseif markMoved then
    call('HSET', meta, 'head', seq, 'hwmHead', seq, markField, mark)
  else
    call('HSET', meta, 'head', seq, 'hwmHead', seq)
  end
end

-- Publishes what was appended and answers. A publication Redis refuses does not make logged
-- appends look failed: subscribers find them in the log (their gap fill and watchdog).
local function finish()
  if #lines > 0 then
    lines[#lines] = '}'
    pcall(call, verb, channel, table.concat(lines))
  end
  return out
end

while at <= size do
  group = group + 1
  local ok, count
  ok, count, meta, log, state, sent, lineStart, at = pcall(read, '>I4I4c0I4c0I4c0I4c0I4c0', packed, at)
  if not ok then
    -- Only a bug of ours gets here; what was parsed before is logged and answered as such.
    out[#out + 1] = {'error', 'malformed append batch'}
    return finish()
  end
  if declared then
    local k0 = (group - 1) * 5
    meta, log, state, sent, old = KEYS[k0 + 1], KEYS[k0 + 2], KEYS[k0 + 3], KEYS[k0 + 4], KEYS[k0 + 5]
  else
    old = false
  end
  markField, mark, markMoved, others, dropMarks, pending, more = false, false, false, false, nil, false, nil, nil

  local refused, start
  for i = 1, count do
    local ok2, compact, retires, publish, markOf, c, field, k, body, nextAt = pcall(read, '>BBBI4c0I4c0I4c0I4c0I4c0', packed, at)
    if not ok2 then
      if start then close(start) end
      out[#out + 1] = {'error', 'malformed append batch'}
      return finish()
    end
    at = nextAt
    if i == 1 then
      -- The meta, once per group, with the mark of the first append's sender.
      local m
      if c ~= '' then
        markField = markOf
        ok, m = pcall(call, 'HMGET', meta, 'epoch', 'status', 'head', 'hwmHead', markField)
      else
        ok, m = pcall(call, 'HMGET', meta, 'epoch', 'status', 'head', 'hwmHead')
      end
      refused = (not ok and failed(m)) or (not m[1] and 'unknown') or (m[2] == 'ended' and 'ended') or false
      if not refused then
        epoch, head = m[1], tonumber(m[3] or '0')
        start = head
        -- The marks hold while every append kept them (hwmHead is head).
        marked = m[4] ~= false and m[4] == (m[3] or '0')
        dropMarks = m[4] ~= false and not marked
        mark = marked and m[5] or false
      end
    end
    if refused then
      out[#out + 1] = refused
    else
      local before = #out
      local ok3, reply = pcall(append, compact, retires, publish, markOf, c, field, k, body)
      -- The append put its seq in out as soon as it was in the stream; the rest is its reply.
      if not ok3 then out[before + 1] = failed(reply)
      else out[before + 1] = reply end
    end
  end
  if start then close(start) end
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
