package io.liminal.ltp.conformance;

import java.net.URI;

/** A client under test whose traffic passes through a {@link FaultProxy}: a faulty client. */
final class ProxiedClient implements ClientUnderTest {
    private final ClientUnderTest inner;
    private final FaultProxy.Fault fault;
    private FaultProxy proxy;
    private URI upstream;

    ProxiedClient(ClientUnderTest inner, FaultProxy.Fault fault) {
        this.inner = inner;
        this.fault = fault;
    }

    @Override
    public synchronized void start(URI url) throws Exception {
        if (proxy == null || !url.equals(upstream)) {
            if (proxy != null) {
                proxy.close();
            }
            proxy = new FaultProxy(url, fault);
            upstream = url;
        }
        inner.start(proxy.url());
    }

    @Override
    public synchronized void stop() throws Exception {
        inner.stop();
    }

    @Override
    public synchronized void reset() throws Exception {
        inner.reset();
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
    }

    @Override
    public String toString() {
        return inner + " behind a fault proxy";
    }
}
