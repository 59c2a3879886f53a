package io.liminal.ltp.server.internal.standalone;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.SessionContext;

/**
 * The standalone server's default application: answers like the upstream reference server (§12), so demos and
 * clients written against it see the replies they expect. {@code LTP_HANDLER=silent} turns it off.
 */
public final class ReferenceHandler implements LtpHandler {

    @Override
    public void onStateUpdate(SessionContext session, StateUpdatePayload update) {
        JsonObject data = new JsonObject();
        data.addProperty("lri_resonance", 0.92);
        data.addProperty("server_status", "processing");
        session.reply(Envelope.builder("state_update")
                .payloadOwned(new StateUpdatePayload(StateUpdatePayload.KIND_DELTA, data).toJson())
                .build());
    }

    @Override
    public void onEvent(SessionContext session, EventPayload event) {
        JsonObject data = new JsonObject();
        data.addProperty("original_event", event.eventType());
        data.addProperty("status", "acknowledged");
        session.reply(Envelope.builder("event")
                .payloadOwned(new EventPayload("event_received", data).toJson())
                .build());
    }
}
