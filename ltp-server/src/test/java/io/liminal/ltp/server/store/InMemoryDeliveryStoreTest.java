package io.liminal.ltp.server.store;

class InMemoryDeliveryStoreTest extends DeliveryStoreContract {
    @Override
    protected ThreadStore newStore() {
        return new InMemoryThreadStore();
    }
}
