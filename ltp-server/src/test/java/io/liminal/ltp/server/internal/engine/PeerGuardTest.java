package io.liminal.ltp.server.internal.engine;

import static io.liminal.ltp.server.TestFrames.errorCode;
import static io.liminal.ltp.server.TestFrames.event;
import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.initWithToken;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.resume;
import static io.liminal.ltp.server.TestFrames.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.session.Allowance;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.PeerLimits;
import io.liminal.ltp.server.auth.AuthResult;
import io.liminal.ltp.server.auth.Authenticator;
import io.liminal.ltp.server.store.ForwardingStore;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.server.transport.InMemoryTransport;
import io.liminal.ltp.server.transport.InMemoryTransport.Peer;
import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Limits are charged only to identities a peer has proven (issue #16, finding 3), identifiers are stored exactly or
 * refused (finding 7), and handshakes are bounded per address (finding 8). Each attacker here is a separate
 * in-memory connection, and so a separate address.
 */
class PeerGuardTest {
    private final FakeClock clock = new FakeClock();
    private final FakeScheduler scheduler = new FakeScheduler(clock);
    private final InMemoryTransport transport = new InMemoryTransport(scheduler);
    private final AtomicInteger finds = new AtomicInteger();
    private final ForwardingStore store = new ForwardingStore(new InMemoryThreadStore()) {
        @Override
        public Optional<ThreadRecord> find(String threadId) {
            finds.incrementAndGet();
            return super.find(threadId);
        }
    };
    private LtpServer server;

    private void start(Consumer<LtpServer.Builder> configure) {
        LtpServer.Builder builder = TestServers.inMemory(transport, clock, scheduler, store);
        configure.accept(builder);
        server = builder.build().start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static JsonObject handshake(Peer peer, String frame) {
        peer.sendText(frame);
        return json(peer.poll());
    }

    private String metrics() {
        return transport.http("GET", "/metrics", null).body();
    }

    @Test
    @DisplayName("100 resumes naming a victim's client_id from other connections leave the victim's budget intact")
    void namingAClientIdSpendsNothing() {
        start(b -> b.rateLimit(3, Duration.ofMinutes(1)));
        Peer victim = transport.connect();
        JsonObject ack = handshake(victim, init("victim"));
        for (int i = 0; i < 100; i++) {
            Peer attacker = transport.connect();
            attacker.sendText(resume("victim", UUID.randomUUID().toString()));
            attacker.drain();
        }
        for (int i = 0; i < 3; i++) {
            victim.sendText(event(ack, "e", Integer.toString(i)));
        }
        assertThat(victim.drain()).as("three events, no error").isEmpty();
    }

    @Test
    @DisplayName("with JWT on, refused connections naming the victim's client_id spend nothing of its budget")
    void unauthenticatedSpendNothing() {
        Authenticator tokens = request -> "good".equals(request.token()) ? AuthResult.allow("alice")
                : AuthResult.deny("bad token");
        start(b -> b.rateLimit(3, Duration.ofMinutes(1)).authenticator(tokens));
        Peer victim = transport.connect();
        JsonObject ack = handshake(victim, initWithToken("alice-phone", "good"));
        for (int i = 0; i < 50; i++) {
            Peer attacker = transport.connect();
            JsonObject refused = handshake(attacker, initWithToken("alice-phone", "forged"));
            assertThat(errorCode(refused.toString())).isEqualTo("INVALID_CLIENT_ID");
            assertThat(attacker.closeCode()).isEqualTo(1008);
        }
        for (int i = 0; i < 3; i++) {
            victim.sendText(event(ack, "e", Integer.toString(i)));
        }
        assertThat(victim.drain()).isEmpty();
    }

    @Test
    @DisplayName("auth on: limits follow the principal; a token for one subject cannot spend another's by naming ids")
    void budgetsFollowThePrincipal() {
        Authenticator tokens = request -> AuthResult.allow(request.token());
        start(b -> b.rateLimit(2, Duration.ofMinutes(1)).maxConnectionsPerClient(1).authenticator(tokens));
        Peer alice = transport.connect();
        JsonObject aliceAck = handshake(alice, initWithToken("shared-id", "alice"));
        Peer mallory = transport.connect();
        JsonObject malloryAck = handshake(mallory, initWithToken("shared-id", "mallory"));
        assertThat(type(malloryAck.toString())).as("another principal: another quota").isEqualTo("handshake_ack");
        for (int i = 0; i < 5; i++) {
            mallory.sendText(event(malloryAck, "e", Integer.toString(i)));
        }
        alice.sendText(event(aliceAck, "e", "1"));
        alice.sendText(event(aliceAck, "e", "2"));
        assertThat(alice.drain()).isEmpty();

        Peer aliceAgain = transport.connect();
        JsonObject second = handshake(aliceAgain, initWithToken("another-device", "alice"));
        assertThat(errorCode(second.toString())).as("alice's own quota of one connection").isEqualTo(
                "RATE_LIMIT_EXCEEDED");
    }

    @Test
    @DisplayName("auth off: the per-client connection cap counts the thread, which naming a client_id does not reach")
    void capFollowsTheThreadWithoutAuth() {
        start(b -> b.maxConnectionsPerClient(1));
        Peer victim = transport.connect();
        JsonObject ack = handshake(victim, init("victim"));
        for (int i = 0; i < 5; i++) {
            JsonObject other = handshake(transport.connect(), init("victim"));
            assertThat(type(other.toString())).as("a new thread of its own").isEqualTo("handshake_ack");
        }
        Peer second = transport.connect();
        JsonObject again = handshake(second, resume("victim", ack.get("thread_id").getAsString()));
        assertThat(errorCode(again.toString())).as("the victim's thread has its one connection").isEqualTo(
                "RATE_LIMIT_EXCEEDED");
        assertThat(victim.isClosed()).isFalse();
    }

    @Test
    @DisplayName("a token bound to client ids (the JWT client_id claim) refuses any other client_id")
    void tokenBoundToClientIds() {
        Authenticator tokens = request -> AuthResult.allow("alice", Set.of("alice-phone"));
        start(b -> b.authenticator(tokens));
        assertThat(type(handshake(transport.connect(), initWithToken("alice-phone", "t")).toString()))
                .isEqualTo("handshake_ack");
        Peer other = transport.connect();
        assertThat(errorCode(handshake(other, initWithToken("bob-phone", "t")).toString())).isEqualTo("INVALID_CLIENT_ID");
        assertThat(other.closeCode()).isEqualTo(1008);
    }

    @Test
    @DisplayName("a client_id that cannot be stored exactly, or is too long, is refused INVALID_CLIENT_ID and 1008")
    void unstorableClientIds() {
        start(b -> b.peerLimits(PeerLimits.builder().maxClientIdBytes(16).build()));
        for (String id : new String[] {"sq-x\\ud800y", "tab\\there", "nul\\u0000", "x".repeat(17), "é".repeat(9)}) {
            Peer peer = transport.connect();
            JsonObject reply = handshake(peer, "{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\""
                    + id + "\"}");
            assertThat(errorCode(reply.toString())).as(id).isEqualTo("INVALID_CLIENT_ID");
            assertThat(peer.closeCode()).as(id).isEqualTo(1008);
        }
        assertThat(type(handshake(transport.connect(), init("é".repeat(8))).toString())).isEqualTo("handshake_ack");
        assertThat(store.count()).isEqualTo(1);
    }

    @Test
    @DisplayName("a resume naming an ill-formed thread_id is not found without a store query")
    void unstorableThreadIdsAreNotLookedUp() {
        start(b -> { });
        Peer peer = transport.connect();
        JsonObject reply = handshake(peer, "{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\",\"client_id\":\"c\","
                + "\"thread_id\":\"a\\u0000b\"}");
        assertThat(type(reply.toString())).isEqualTo("handshake_reject");
        assertThat(reply.get("reason").getAsString()).isEqualTo("thread_not_found");
        handshake(peer, resume("c", "x".repeat(65)));
        assertThat(finds).hasValue(0);
    }

    @Test
    @DisplayName("handshakes past an address's allowance are refused 1008; other addresses are not affected")
    void handshakesPerAddress() {
        start(b -> b.peerLimits(PeerLimits.builder().handshakesPerAddress(Allowance.of(3, Duration.ofSeconds(10)))
                .build()));
        Peer flooder = transport.connect();
        for (int i = 0; i < 3; i++) {
            assertThat(type(handshake(flooder, init("f" + i)).toString())).isEqualTo("handshake_ack");
        }
        JsonObject refused = handshake(flooder, init("f4"));
        assertThat(errorCode(refused.toString())).isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(refused.getAsJsonObject("payload").getAsJsonObject("details").get("limit").getAsString())
                .isEqualTo("handshakes_per_address");
        assertThat(flooder.closeCode()).isEqualTo(1008);
        assertThat(store.count()).isEqualTo(3);
        assertThat(type(handshake(transport.connect(), init("honest")).toString())).isEqualTo("handshake_ack");
        assertThat(metrics()).contains("ltp_handshakes_total{outcome=\"refused_rate_limit\"} 1.0");
    }

    @Test
    @DisplayName("the default thread cap holds without configuration")
    void defaultThreadCap() {
        assertThat(LtpServer.DEFAULT_MAX_THREADS).isEqualTo(1_000_000);
        start(b -> b.maxThreads(2));
        handshake(transport.connect(), init("a"));
        handshake(transport.connect(), init("b"));
        Peer third = transport.connect();
        assertThat(errorCode(handshake(third, init("c")).toString())).isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(third.closeReason()).isEqualTo("Server at capacity");
    }
}
