/**
 * The LTP v0.3 message model: a sealed {@link io.liminal.ltp.core.message.LtpMessage} hierarchy of immutable
 * records (the four handshake messages and the {@link io.liminal.ltp.core.message.Envelope}), envelope
 * {@link io.liminal.ltp.core.message.Meta}, and typed payload views.
 *
 * <h2>JSON subtrees</h2>
 * Free-form parts (payloads, metadata, unknown fields) are Gson trees. A message owns the trees it holds: the
 * codec hands each decoded message fresh trees, and builders copy what the application passes in. Nothing in
 * this library mutates them, and callers must not either; call {@code deepCopy()} to get an editable copy.
 * This keeps decoding as cheap as a plain Gson tree parse while the messages stay effectively immutable.
 *
 * <h2>Unknown fields</h2>
 * Members this version does not know are kept in {@code extraFields()} (top level) and in the JSON objects of
 * {@code meta} and {@code payload}, so decoding then encoding a valid frame keeps every field.
 */
package io.liminal.ltp.core.message;
