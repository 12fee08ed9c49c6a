/**
 * The Lua scripts of the Redis state store. Each runs atomically in Redis, so a decision's
 * updates land together or not at all, after the version check. Layout under a prefix `ns`:
 *   ns k:<key>  hash: t (c counter | w window | e entry), v value, x expiresAt, w windowMs, n version
 *   ns h:<key>  sorted set of a window's hits (score: time)
 *   ns order    sorted set of keys by last write (score: version), for the maxKeys bound
 *   ns seq      the version counter: every write takes the next number, so versions never repeat
 * Time is always the caller's `now` (an injected clock may be far from Redis's): expiry is
 * checked against the stored expiresAt, and Redis TTLs, relative, only reclaim memory.
 * Keys are built from the prefix inside the scripts, so this needs one Redis/Valkey server,
 * not a Cluster.
 */

const COMMON = `
local function fmt(n) return string.format('%.17g', n) end
local ns = ARGV[1]
local order = ns .. 'order'
`;

/** ARGV: ns, now, then (kind, key, windowMs) per read. Returns (value or '', version) per read. */
export const READ = `${COMMON}
local now = tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV, 3 do
  local kind, key = ARGV[i], ARGV[i + 1]
  local h = redis.call('HMGET', ns .. 'k:' .. key, 't', 'v', 'x', 'n')
  local t, v, x = h[1], h[2], h[3]
  local value = ''
  if kind == 'count' then
    value = '0'
    if t == 'c' and (not x or tonumber(x) > now) then value = v end
  elseif kind == 'entry' then
    if t == 'e' and tonumber(x) > now then value = v end
  else
    value = '0'
    if t == 'w' then
      value = tostring(redis.call('ZCOUNT', ns .. 'h:' .. key, '(' .. fmt(now - tonumber(ARGV[i + 2])), fmt(now)))
    end
  end
  out[#out + 1] = value
  out[#out + 1] = h[4] or '0'
end
return out
`;

/**
 * ARGV: ns, now, maxKeys, claim ('' for none), claimMs, number of expected versions,
 * (key, version) each, then (op, key, a, b) per update. Returns 0 (a version changed or a key is
 * claimed by another decision: nothing written) or 1. `ns c:<key>` holds a claim: a decision
 * that kept losing reserves all its keys at once (or none, so two claimants never split them)
 * until it writes or claimMs pass.
 */
export const WRITE = `${COMMON}
local now, maxKeys, claim, claimMs, expected = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], tonumber(ARGV[6])
local first = 7
local last = first + 2 * expected - 1
local changed, free = false, true
for i = first, last, 2 do
  local held = redis.call('GET', ns .. 'c:' .. ARGV[i])
  if held and held ~= claim then free = false end
  if (redis.call('HGET', ns .. 'k:' .. ARGV[i], 'n') or '0') ~= ARGV[i + 1] then changed = true end
end
for j = last + 1, #ARGV, 4 do
  local held = redis.call('GET', ns .. 'c:' .. ARGV[j + 1])
  if held and held ~= claim then free = false end
end
if changed or not free then
  if claim ~= '' and free then
    for i = first, last, 2 do redis.call('SET', ns .. 'c:' .. ARGV[i], claim, 'PX', claimMs) end
  end
  return 0
end
if claim ~= '' then
  for i = first, last, 2 do redis.call('DEL', ns .. 'c:' .. ARGV[i]) end
end
local i = last + 1
local function forget(key)
  redis.call('DEL', ns .. 'k:' .. key, ns .. 'h:' .. key)
  redis.call('ZREM', order, key)
end
-- a new version, the write order, the reclaim TTL and the bound, after any write
local function written(key, ttl)
  local n = redis.call('INCR', ns .. 'seq')
  local k = ns .. 'k:' .. key
  redis.call('HSET', k, 'n', n)
  redis.call('ZADD', order, n, key)
  if ttl then
    local ms = string.format('%d', math.max(1, math.ceil(ttl)))
    redis.call('PEXPIRE', k, ms)
    if redis.call('EXISTS', ns .. 'h:' .. key) == 1 then redis.call('PEXPIRE', ns .. 'h:' .. key, ms) end
  end
  while redis.call('ZCARD', order) > maxKeys do forget(redis.call('ZRANGE', order, 0, 0)[1]) end
end
for j = i, #ARGV, 4 do
  local op, key, a, b = ARGV[j], ARGV[j + 1], ARGV[j + 2], ARGV[j + 3]
  local k, hk = ns .. 'k:' .. key, ns .. 'h:' .. key
  if op == 'count' then
    local h = redis.call('HMGET', k, 't', 'v', 'x')
    local base = 0
    if h[1] == 'c' and (not h[3] or tonumber(h[3]) > now) then base = tonumber(h[2]) end
    redis.call('DEL', k, hk)
    redis.call('HSET', k, 't', 'c', 'v', fmt(base + tonumber(a)))
    if b ~= '' then redis.call('HSET', k, 'x', fmt(now + tonumber(b))) end
    written(key, b ~= '' and tonumber(b) or nil)
  elseif op == 'hit' then
    local w = tonumber(a)
    if redis.call('HGET', k, 't') ~= 'w' then redis.call('DEL', k, hk) end
    redis.call('ZREMRANGEBYSCORE', hk, '-inf', fmt(now - w))
    redis.call('ZADD', hk, fmt(now), fmt(now) .. ':' .. redis.call('INCR', ns .. 'seq'))
    redis.call('HSET', k, 't', 'w', 'w', a)
    redis.call('HDEL', k, 'v', 'x')
    local newest = tonumber(redis.call('ZRANGE', hk, -1, -1, 'WITHSCORES')[2])
    written(key, newest + w - now)
  elseif op == 'set' then
    redis.call('DEL', k, hk)
    redis.call('HSET', k, 't', 'e', 'v', a, 'x', b)
    written(key, tonumber(b) - now)
  else
    forget(key)
  end
end
return 1
`;

/** ARGV: ns, now, prefix. Returns (key, kind, value, expiresAt or '') per live entry, in write order. */
export const ENTRIES = `${COMMON}
local now, prefix = tonumber(ARGV[2]), ARGV[3]
local out = {}
local function add(key, kind, value, x)
  out[#out + 1] = key; out[#out + 1] = kind; out[#out + 1] = value; out[#out + 1] = x or ''
end
for _, key in ipairs(redis.call('ZRANGE', order, 0, -1)) do
  if string.sub(key, 1, #prefix) == prefix then
    local h = redis.call('HMGET', ns .. 'k:' .. key, 't', 'v', 'x', 'w')
    if h[1] == 'c' and (not h[3] or tonumber(h[3]) > now) then add(key, 'counter', h[2], h[3] or nil)
    elseif h[1] == 'e' and tonumber(h[3]) > now then add(key, 'entry', h[2], h[3])
    elseif h[1] == 'w' then
      local w, hk = tonumber(h[4]), ns .. 'h:' .. key
      local live = redis.call('ZCOUNT', hk, '(' .. fmt(now - w), '+inf')
      if live > 0 then
        local newest = tonumber(redis.call('ZRANGE', hk, -1, -1, 'WITHSCORES')[2])
        add(key, 'window', tostring(live), fmt(newest + w))
      end
    end
  end
end
return out
`;

/** ARGV: ns, prefix. Forgets the keys with the prefix; returns how many were held. */
export const CLEAR = `${COMMON}
local prefix = ARGV[2]
local n = 0
for _, key in ipairs(redis.call('ZRANGE', order, 0, -1)) do
  if string.sub(key, 1, #prefix) == prefix then
    n = n + redis.call('DEL', ns .. 'k:' .. key)
    redis.call('DEL', ns .. 'h:' .. key)
    redis.call('ZREM', order, key)
  end
end
return n
`;
