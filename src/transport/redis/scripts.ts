/**
 * The Lua scripts of the Redis Streams transport. Each runs atomically in
 * Redis: a settle checks the partition lease (fencing), publishes the
 * children and acknowledges the entry in one step.
 * @module
 */

/**
 * Acquire a partition lease. KEYS: lease, epoch. ARGV: consumer, lease ms.
 * Returns the new epoch, or 0 when another consumer holds it.
 *
 * @example
 * ```ts
 * await client.sendCommand(['EVAL', ACQUIRE, '2', leaseKey, epochKey, consumer, '15000']);
 * ```
 */
export const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur then return 0 end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. epoch, 'PX', ARGV[2])
return epoch`;

/**
 * Renew a lease if still ours. KEYS: lease. ARGV: owner token, lease ms. Returns 1 or 0.
 *
 * @example
 * ```ts
 * await client.sendCommand(['EVAL', RENEW, '1', leaseKey, token, '15000']);
 * ```
 */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/**
 * Release a lease if still ours. KEYS: lease. ARGV: owner token.
 *
 * @example
 * ```ts
 * await client.sendCommand(['EVAL', RELEASE, '1', leaseKey, token]);
 * ```
 */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Settle one entry. KEYS: lease, stream, dead-letter stream, then one
 * stream per child. ARGV: owner token, group, entry id, kind (ack | retry |
 * dead), dead-letter record JSON, then one event JSON per child.
 * Returns 1, or 0 when the lease is no longer ours (nothing is done).
 *
 * @example
 * ```ts
 * await client.sendCommand(['EVAL', SETTLE, String(3 + children.length), lease, stream, dlq, ...childStreams, token, group, id, 'ack', '', ...childJson]);
 * ```
 */
export const SETTLE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 4, #KEYS do
  redis.call('XADD', KEYS[i], '*', 'e', ARGV[i + 2])
end
local kind = ARGV[4]
if kind == 'retry' then return 1 end
if kind == 'dead' then redis.call('XADD', KEYS[3], '*', 'r', ARGV[5]) end
redis.call('XACK', KEYS[2], ARGV[2], ARGV[3])
redis.call('XDEL', KEYS[2], ARGV[3])
return 1`;

/**
 * Publish events to their partition streams atomically, refusing when a
 * stream's backlog is at capacity. KEYS: one stream per event. ARGV:
 * capacity (0 = no check), then one event JSON per event. Returns 1, or
 * `-<index>` of the first full stream.
 *
 * @example
 * ```ts
 * await client.sendCommand(['EVAL', PUBLISH, String(keys.length), ...keys, '10000', ...json]);
 * ```
 */
export const PUBLISH = `
local cap = tonumber(ARGV[1])
if cap > 0 then
  local adding = {}
  for i = 1, #KEYS do adding[KEYS[i]] = (adding[KEYS[i]] or 0) + 1 end
  for i = 1, #KEYS do
    if redis.call('XLEN', KEYS[i]) + adding[KEYS[i]] > cap then return -i end
  end
end
for i = 1, #KEYS do redis.call('XADD', KEYS[i], '*', 'e', ARGV[i + 1]) end
return 1`;

/**
 * Settle several entries in one round trip (the worker batches the settles
 * of one event-loop turn). KEYS: dead-letter stream, the due hash (retry
 * due times, field `<stream>|<entry id>`), then per item: lease, stream,
 * one stream per child, then the outcome stream and the readers set. ARGV:
 * group, seen-key prefix, seen TTL (ms), consumer, item count, then per item:
 * owner token, entry id, kind, dead-letter record JSON (for a retry:
 * `<due ms>:<attempt>`, kept in the due hash so another owner honours the
 * delay), child count, flags, the outcome message (or ''), the opening of
 * the `published` message of its children (`{"t":"p","parent":…,"events":[`),
 * then per child its id and JSON. Returns per item 1 (settled), 2 (settled
 * and announced) or 0 (the lease is no longer ours; that item is not
 * touched), or `{1|2, i, …}` when the children at 1-based positions i were
 * duplicates; then the number of registered readers.
 *
 * Announcing: when an ack or dead item carries its outcome and some process
 * reads outcomes, it goes to the outcome stream in the same atomic step:
 * the `published` message of the children actually published, then the
 * outcome (the items of one call share one stream entry, each message in
 * its own field `m`). A reader thus sees the children before the parent's end, and
 * no worker can die between settling an event and announcing it.
 *
 * Duplicate suppression: children published with a retry are remembered
 * (flag `r`: `SET seen:<id> PX ttl`); a later attempt of the same event
 * (flag `d`) skips children already remembered. Child ids are derived from
 * the parent's id and their order, so the same child has the same id.
 *
 * @example
 * ```ts
 * await client.sendCommand(['EVAL', SETTLE_MANY, String(keys.length), ...keys, 'workers', String(items), ...args]);
 * ```
 */
export const SETTLE_MANY = `
local group = ARGV[1]
local seen = ARGV[2]
local ttl = ARGV[3]
local consumer = ARGV[4]
local n = tonumber(ARGV[5])
local k = 3
local a = 6
local out = {}
local announced = {}
-- How many processes read the outcome stream now (KEYS[#KEYS], scores are expiry times).
local t = redis.call('TIME')
local readers = redis.call('ZCOUNT', KEYS[#KEYS], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), '+inf')
for i = 1, n do
  local nc = tonumber(ARGV[a + 4])
  local flags = ARGV[a + 5]
  local ok = 0
  local dup = {}
  local published = {}
  if redis.call('GET', KEYS[k]) == ARGV[a] then
    local dedupe = string.find(flags, 'd', 1, true)
    local remember = string.find(flags, 'r', 1, true)
    for c = 1, nc do
      local id = ARGV[a + 6 + 2 * c]
      if dedupe and redis.call('EXISTS', seen .. id) == 1 then dup[#dup + 1] = c
      else
        redis.call('XADD', KEYS[k + 1 + c], '*', 'e', ARGV[a + 7 + 2 * c])
        published[#published + 1] = ARGV[a + 7 + 2 * c]
      end
      if remember then redis.call('SET', seen .. id, '1', 'PX', ttl) end
    end
    local kind = ARGV[a + 2]
    local field = KEYS[k + 1] .. '|' .. ARGV[a + 1]
    ok = 1
    if kind ~= 'retry' then
      if kind == 'dead' then redis.call('XADD', KEYS[1], '*', 'r', ARGV[a + 3]) end
      redis.call('XACK', KEYS[k + 1], group, ARGV[a + 1])
      redis.call('XDEL', KEYS[k + 1], ARGV[a + 1])
      redis.call('HDEL', KEYS[2], field, field .. '|c')
      -- The children and the final outcome, announced in the same step when someone reads outcomes (2: announced).
      if ARGV[a + 6] ~= '' and readers > 0 then
        if #published > 0 then
          announced[#announced + 1] = 'm'
          announced[#announced + 1] = ARGV[a + 7] .. table.concat(published, ',') .. ']}'
        end
        announced[#announced + 1] = 'm'
        announced[#announced + 1] = ARGV[a + 6]
        ok = 2
      end
    elseif ARGV[a + 3] ~= '' then
      redis.call('HSET', KEYS[2], field, ARGV[a + 3])
    end
  end
  if ok > 0 and #dup > 0 then
    table.insert(dup, 1, ok)
    out[i] = dup
  else
    out[i] = ok
  end
  k = k + 2 + nc
  a = a + 8 + 2 * nc
end
-- The announcements of all items as one outcome-stream entry, one repeated field \`m\` per message
-- (concatenating them into one value costs Redis ~5 µs per item more), 500 messages per entry at most.
local i = 1
while i <= #announced do
  local j = math.min(i + 999, #announced)
  redis.call('XADD', KEYS[#KEYS - 1], 'MAXLEN', '~', '100000', '*', 'o', consumer, unpack(announced, i, j))
  i = j + 1
end
out[n + 1] = readers
return out`;

/**
 * How long a child published with a retry is remembered for duplicate
 * suppression (longer than any sensible retry backoff).
 *
 * @example
 * ```ts
 * SEEN_TTL_MS; // 86_400_000
 * ```
 */
export const SEEN_TTL_MS = 24 * 3600_000;
