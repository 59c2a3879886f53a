package io.liminal.ltp.server.store;

class InMemoryThreadStoreTest extends ThreadStoreContract {
    @Override
    protected ThreadStore newStore() {
        return new InMemoryThreadStore();
    }
}
