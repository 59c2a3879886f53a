package io.liminal.ltp.client;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/** Keeps ids for the life of the process (the default). Use {@link FileThreadIdStore} to survive restarts. */
public final class InMemoryThreadIdStore implements ThreadIdStore {
    private final ConcurrentMap<String, StoredSession> sessions = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, String> clientIds = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Long> cursors = new ConcurrentHashMap<>();

    @Override
    public Optional<StoredSession> load(String clientId) {
        return Optional.ofNullable(sessions.get(clientId));
    }

    @Override
    public void save(String clientId, StoredSession session) {
        sessions.put(clientId, session);
    }

    @Override
    public void clear(String clientId) {
        sessions.remove(clientId);
    }

    @Override
    public long deliveryCursor(String clientId, String threadId) {
        return cursors.getOrDefault(clientId + '\u0000' + threadId, 0L);
    }

    @Override
    public void saveDeliveryCursor(String clientId, String threadId, long seq) {
        cursors.merge(clientId + '\u0000' + threadId, seq, Math::max);
    }

    @Override
    public String clientId(String scope, Supplier<String> generator) {
        return clientIds.computeIfAbsent(scope, key -> generator.get());
    }
}
