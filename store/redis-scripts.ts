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
 * KEYS: per session group, its meta, log (stream), state (hash: key → latest command), sent and
 *       sent:old (hashes: client id → seq, see below). All five are declared, so a cluster
 *       refuses the call (TRYAGAIN, ASK) rather than run it while the session's slot is half
 *       migrated.
 * ARGV: maxLen, publish verb ('PUBLISH' or 'SPUBLISH'), channel, packed appends, then per group
 *       its session id as a JSON string (for the publication).
 *       The appends travel packed in one string (one argument instead of ten per append: ioredis
 *       spent more building those than Redis spends appending). Per group, a line `<count>\n`,
 *       then per append a header line
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
 * A group reads its meta once and writes its head once: nothing else changes them meanwhile.
 * Client ids are remembered for a window of the log, not forever: each time seq reaches a
 * multiple of maxLen, sent becomes sent:old (the older generation goes), so a resend is
 * recognised while its first copy is among the last maxLen commands at least, and a session
 * holds at most about 2 × maxLen client ids.
 */
export const APPEND_BATCH_LUA = `
local maxLen, verb, channel, packed = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local out, lines = {}, {}
local at = 1

-- One append; returns its reply. Once it is in the stream its seq goes in out at once, and it is
-- remembered and published before anything else can fail: head moves to it, a resend finds it
-- and subscribers hear it even if compacting it fails afterwards (it is then answered as an
-- error, and the sender's resend is recognised as a duplicate).
local function append(epoch, head, log, state, sent, old, sid, by, c, k, body, compact, retires, publish, t)
  local sentField = false
  if c ~= '' then
    sentField = string.len(by) .. ':' .. by .. ':' .. c
    local first = redis.call('HGET', sent, sentField) or redis.call('HGET', old, sentField)
    if first then
      local e = redis.call('XRANGE', log, first .. '-0', first .. '-0')
      if e[1] then return {'duplicate', e[1][2][2]} end
      return {'duplicate-trimmed', first}
    end
  end

  local n = head + 1
  local seq = string.format('%d', n)
  local cmd = '{"seq":' .. seq .. ',"t":' .. t .. ',' .. body
  redis.call('XADD', log, 'MAXLEN', '~', maxLen, seq .. '-0', 'c', cmd)
  out[#out + 1] = n
  if n % maxLen == 0 then
    redis.call('UNLINK', old)
    if redis.call('EXISTS', sent) == 1 then redis.call('RENAME', sent, old) end
  end
  if sentField then redis.call('HSET', sent, sentField, seq) end
  if publish == '1' then lines[#lines + 1] = '{"s":' .. sid .. ',"e":"' .. epoch .. '","c":' .. cmd .. '}' end

  if compact == '1' then
    if retires == '1' then
      -- protocol/keys.ts isBelow: strictly below k means starting with k followed by '/'.
      local prefix = k .. '/'
      local len = string.len(prefix)
      local fields = redis.call('HKEYS', state)
      for i = 1, #fields do
        if string.sub(fields[i], 1, len) == prefix then redis.call('HDEL', state, fields[i]) end
      end
    end
    redis.call('HSET', state, k, cmd)
  end
  return n
end

local function failed(err)
  return {'error', type(err) == 'table' and (err.err or 'error') or tostring(err)}
end

-- Publishes what was appended and answers. A publication Redis refuses does not make logged
-- appends look failed: subscribers find them in the log (their gap fill and watchdog).
local function finish()
  if #lines > 0 then pcall(redis.call, verb, channel, table.concat(lines, '\\n')) end
  return out
end

for g = 1, #KEYS / 5 do
  local count, from = string.match(packed, '^(%d+)\\n()', at)
  if not from then
    -- Only a bug of ours gets here; what was parsed before is logged and answered as such.
    out[#out + 1] = {'error', 'malformed append batch'}
    return finish()
  end
  at = from
  local k0 = (g - 1) * 5
  local meta, log, state, sent, old = KEYS[k0 + 1], KEYS[k0 + 2], KEYS[k0 + 3], KEYS[k0 + 4], KEYS[k0 + 5]
  local sid = ARGV[4 + g]
  local ok, m = pcall(redis.call, 'HMGET', meta, 'epoch', 'status', 'head')
  local refused = (not ok and failed(m)) or (not m[1] and 'unknown') or (m[2] == 'ended' and 'ended') or false
  local epoch, head = ok and m[1], ok and tonumber(m[3] or '0') or 0
  local start = head
  for i = 1, tonumber(count) do
    local byLen, cLen, kLen, bodyLen, compact, retires, publish, t, fields =
      string.match(packed, '^(%d+) (%d+) (%d+) (%d+) ([01])([01])([01]) (%d+)\\n()', at)
    if not fields then
      out[#out + 1] = {'error', 'malformed append batch'}
      if head ~= start then redis.call('HSET', meta, 'head', head) end
      return finish()
    end
    local byEnd = fields + tonumber(byLen)
    local cEnd = byEnd + tonumber(cLen)
    local kEnd = cEnd + tonumber(kLen)
    at = kEnd + tonumber(bodyLen)
    if refused then
      out[#out + 1] = refused
    else
      local size = #out
      local ok2, reply = pcall(append, epoch, head, log, state, sent, old, sid,
        string.sub(packed, fields, byEnd - 1), string.sub(packed, byEnd, cEnd - 1), string.sub(packed, cEnd, kEnd - 1),
        string.sub(packed, kEnd, at - 1), compact, retires, publish, t)
      -- The append put its seq in out as soon as it was in the stream; the rest is its reply.
      if #out > size then head = out[size + 1] end
      if not ok2 then out[size + 1] = failed(reply)
      else out[size + 1] = reply end
    end
  end
  if head ~= start then redis.call('HSET', meta, 'head', head) end
end
return finish()
`;

/**
 * Creates a session's log unless it exists; leftovers of an earlier life are cleared.
 * KEYS: meta, log, state, sent, sent:old   ARGV: epoch, createdAt
 * Returns the meta hash as a flat array.
 */
export const CREATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'head', 0, 'status', 'active', 'createdAt', ARGV[2])
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
