/**
 * The wire format of the delivery extension {@code delivery-v1} (docs/extensions/delivery-v1.md): numbered
 * application messages in both directions, cumulative acknowledgements, replay after a resume, and an explicit
 * signal when the replay range was trimmed. Used by ltp-client and ltp-server; only when both sides advertise it.
 */
package io.liminal.ltp.core.delivery;
