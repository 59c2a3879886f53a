package io.liminal.ltp.redis.internal;

/**
 * The Lua scripts of {@code RedisThreadStore}: each changes one thread's keys (one Redis Cluster slot) atomically.
 * Key layout and the meaning of each field: {@code RedisThreadStore}'s documentation.
 */
public final class StoreScripts {
    private StoreScripts() {
    }

    /** KEYS: thread. ARGV: client id, created, last active, principal, context tag, affect, TTL ms. 1 if created. */
    public static final String CREATE = """
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('HSET', KEYS[1], 'client_id', ARGV[1], 'created_at', ARGV[2], 'last_active_at', ARGV[3],
                'out_seq', 0, 'out_bytes', 0, 'delivery', 0)
            if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'principal', ARGV[4]) end
            if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'context_tag', ARGV[5]) end
            if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'affect', ARGV[6]) end
            redis.call('PEXPIRE', KEYS[1], ARGV[7])
            return 1
            """;
    /** KEYS: thread, out, in. ARGV: last active, context tag, affect, TTL ms. 1 if the thread exists. */
    public static final String UPDATE = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            redis.call('HSET', KEYS[1], 'last_active_at', ARGV[1])
            if ARGV[2] == '' then redis.call('HDEL', KEYS[1], 'context_tag')
            else redis.call('HSET', KEYS[1], 'context_tag', ARGV[2]) end
            if ARGV[3] == '' then redis.call('HDEL', KEYS[1], 'affect')
            else redis.call('HSET', KEYS[1], 'affect', ARGV[3]) end
            for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
            return 1
            """;
    /** KEYS: thread, out, in. ARGV: instance, process id. Returns {cursor, out_seq, out_first, log length}. */
    public static final String OPEN = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
            redis.call('HSET', KEYS[1], 'delivery', 1)
            redis.call('HSETNX', KEYS[3], ARGV[1], '0:' .. ARGV[2])
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
            local cursor = redis.call('HGET', KEYS[3], ARGV[1])
            local counters = redis.call('HMGET', KEYS[1], 'out_seq', 'out_first')
            return {cursor, counters[1] or '0', counters[2] or '', tostring(redis.call('LLEN', KEYS[2]))}
            """;
    /**
     * KEYS: thread, out, in. ARGV: now, max messages, max bytes, oldest time kept, instance ('' for a push), seq,
     * process id, message count n, then n pairs of message and target ('' for all). Every check comes before the
     * first write, so the script cannot stop half-way.
     */
    public static final String COMMIT = """
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            local n = tonumber(ARGV[8])
            local first = 0
            local ttl = redis.call('PTTL', KEYS[1])
            if n > 0 then
              local last = redis.call('HINCRBY', KEYS[1], 'out_seq', n)
              first = last - n + 1
              local bytes = tonumber(redis.call('HGET', KEYS[1], 'out_bytes') or '0')
              local now = tonumber(ARGV[1])
              for i = 1, n do
                local message = ARGV[7 + 2 * i]
                local entry = {s = first + i - 1, a = now, z = string.len(message), m = message}
                if ARGV[8 + 2 * i] ~= '' then entry.t = ARGV[8 + 2 * i] end
                redis.call('RPUSH', KEYS[2], cjson.encode(entry))
                bytes = bytes + entry.z
              end
              local maxMessages = tonumber(ARGV[2])
              local maxBytes = tonumber(ARGV[3])
              local oldest = tonumber(ARGV[4])
              while redis.call('LLEN', KEYS[2]) > 1 do
                local head = cjson.decode(redis.call('LINDEX', KEYS[2], 0))
                if redis.call('LLEN', KEYS[2]) > maxMessages or bytes > maxBytes or head.a < oldest then
                  redis.call('LPOP', KEYS[2])
                  bytes = bytes - head.z
                else
                  break
                end
              end
              local head = cjson.decode(redis.call('LINDEX', KEYS[2], 0))
              redis.call('HSET', KEYS[1], 'out_bytes', bytes, 'out_first', head.s)
              if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
            end
            if ARGV[5] ~= '' then
              local current = redis.call('HGET', KEYS[3], ARGV[5])
              local position = 0
              if current then position = tonumber(string.match(current, '^%d+')) end
              if tonumber(ARGV[6]) > position then
                redis.call('HSET', KEYS[3], ARGV[5], ARGV[6] .. ':' .. ARGV[7])
              end
              if ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
            end
            return first
            """;
}
