package io.liminal.ltp.redis.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

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
     *
     * <p>A log entry is {@code "<seq> <logged at, epoch ms> <UTF-8 bytes> <target>\n<message>"} ({@link #entry});
     * its head is read with one anchored match, not a JSON decode of the whole message (Redis runs every commit of
     * every node, so its CPU per commit bounds a cluster's durable throughput). Entries written as JSON objects by
     * earlier versions ({@code {"s":..,"a":..,"z":..,"t":..,"m":..}}) are still read. The list holds consecutive
     * sequence numbers, so the first kept is the last minus the length plus one.
     */
    public static final String COMMIT = """
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl == -2 then return 0 end
            local function sizeAndTime(entry)
              local s, a, z = string.match(entry, '^(%d+) (%d+) (%d+) ')
              if s then return tonumber(z), tonumber(a) end
              local old = cjson.decode(entry)
              return old.z, old.a
            end
            local n = tonumber(ARGV[8])
            local first = 0
            if n > 0 then
              local last = redis.call('HINCRBY', KEYS[1], 'out_seq', n)
              first = last - n + 1
              local counters = redis.call('HMGET', KEYS[1], 'out_bytes', 'out_head_at')
              local bytes = tonumber(counters[1] or '0')
              -- When the oldest entry was logged, or earlier: the entries before it went first.
              local headAt = tonumber(counters[2] or '0')
              local length = 0
              for i = 1, n do
                local message = ARGV[7 + 2 * i]
                length = redis.call('RPUSH', KEYS[2], string.format('%d %s %d %s', first + i - 1, ARGV[1],
                  #message, ARGV[8 + 2 * i]) .. '\\n' .. message)
                bytes = bytes + #message
              end
              local created = length == n
              if created then headAt = tonumber(ARGV[1]) end
              local maxMessages = tonumber(ARGV[2])
              local maxBytes = tonumber(ARGV[3])
              local oldest = tonumber(ARGV[4])
              while length > 1 do
                local size
                if length > maxMessages or bytes > maxBytes then
                  size = sizeAndTime(redis.call('LPOP', KEYS[2]))
                elseif headAt < oldest then
                  local at
                  size, at = sizeAndTime(redis.call('LINDEX', KEYS[2], 0))
                  headAt = at
                  if at >= oldest then break end
                  redis.call('LPOP', KEYS[2])
                else
                  break
                end
                bytes = bytes - size
                length = length - 1
              end
              redis.call('HSET', KEYS[1], 'out_bytes', bytes, 'out_first', last - length + 1, 'out_head_at', headAt)
              -- A list that existed already expires with the thread (UPDATE moves both).
              if ttl > 0 and created then redis.call('PEXPIRE', KEYS[2], ttl) end
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

    /**
     * Reads a log entry written by {@link #COMMIT}, in either format.
     *
     * @return the entry, or {@code null} when it is not one
     */
    public static Entry entry(String text) {
        if (text.startsWith("{")) {
            JsonObject json = JsonParser.parseString(text).getAsJsonObject();
            return new Entry(json.get("s").getAsLong(), json.get("a").getAsLong(),
                    json.has("t") ? json.get("t").getAsString() : null, json.get("m").getAsString());
        }
        int end = text.indexOf('\n');
        int second = text.indexOf(' ', text.indexOf(' ') + 1);
        int third = text.indexOf(' ', second + 1);
        if (end < 0 || second < 0 || third < 0 || third > end) {
            return null;
        }
        String target = text.substring(third + 1, end);
        return new Entry(Long.parseLong(text, 0, text.indexOf(' '), 10),
                Long.parseLong(text, text.indexOf(' ') + 1, second, 10), target.isEmpty() ? null : target,
                text.substring(end + 1));
    }

    /**
     * One entry of a thread's outbound log.
     *
     * @param target the client instance it is for, or {@code null} for all
     */
    public record Entry(long seq, long loggedAtMillis, String target, String message) {
    }
}
