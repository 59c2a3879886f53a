package io.liminal.ltp.jdbc.internal;

import io.liminal.ltp.jdbc.JdbcThreadStore;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.store.ThreadStoreProvider;
import java.nio.file.Path;

/**
 * {@code LTP_STORE=sqlite:PATH} (a single file, created if missing) and {@code LTP_STORE=jdbc:URL} (for example
 * {@code jdbc:postgresql://db:5432/ltp?user=ltp&password=secret}).
 */
public final class JdbcThreadStoreProvider implements ThreadStoreProvider {

    @Override
    public boolean supports(String spec) {
        return spec.startsWith("sqlite:") || spec.startsWith("jdbc:");
    }

    @Override
    public ThreadStore create(String spec) {
        if (spec.startsWith("sqlite:")) {
            String path = spec.substring("sqlite:".length());
            if (path.isBlank()) {
                throw new IllegalArgumentException("sqlite: needs a file path, e.g. sqlite:/var/lib/ltp/threads.db");
            }
            return JdbcThreadStore.sqlite(Path.of(path));
        }
        return JdbcThreadStore.open(spec);
    }

    @Override
    public String description() {
        return "sqlite:PATH | jdbc:URL";
    }
}
