/**
 * The LTP client: {@link io.liminal.ltp.client.LtpClient} resumes its thread across reconnects, keeps a heartbeat,
 * retries with backoff under a circuit breaker, and buffers what the application sends while offline. Thread ids
 * persist through a {@link io.liminal.ltp.client.ThreadIdStore}; buffered messages can persist through a
 * {@link io.liminal.ltp.client.MessageJournal}.
 */
package io.liminal.ltp.client;
