/**
 * Thread storage: the {@link io.liminal.ltp.server.store.ThreadStore} SPI and its default,
 * {@link io.liminal.ltp.server.store.InMemoryThreadStore}. Durable and clustered stores live in their own modules.
 */
package io.liminal.ltp.server.store;
