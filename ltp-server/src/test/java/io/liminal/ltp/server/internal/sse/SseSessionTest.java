package io.liminal.ltp.server.internal.sse;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.server.transport.ConnectionListener;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.RecordingTransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import io.liminal.ltp.server.transport.TransportLimits;
import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The transport-neutral sse-v1 connection on virtual time, with a stream that records what it was given: the rules
 * both HTTP stacks share (ids, framing, acknowledgements, reopen bounds, keep-alive, stream wait, slow consumer).
 */
class SseSessionTest {
    private final FakeScheduler scheduler = new FakeScheduler(new FakeClock());
    /** The session's executor: tasks run when the test says so, as on an event loop after the current task. */
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private final List<String> received = new ArrayList<>();
    private final List<String> closes = new ArrayList<>();
    private final RecordingTransportContext context = new RecordingTransportContext(
            connection -> new ConnectionListener() {
                @Override
                public void onText(String text, int utf8Bytes) {
                    received.add(text);
                }

                @Override
                public void onBinary(ByteBuffer data) {
                }

                @Override
                public void onOversizedMessage(long sizeBytes) {
                }

                @Override
                public void onClosed(int code, String reason) {
                    closes.add(code + " " + reason);
                }
            });

    /** What a stream was given, as the client would read it once flushed. */
    private static final class RecordingStream implements SseStream {
        final StringBuilder written = new StringBuilder();
        final StringBuilder flushed = new StringBuilder();
        boolean started;
        boolean ended;

        @Override
        public void start(SseSession session) {
            started = true;
        }

        @Override
        public void write(byte[] bytes) {
            written.append(new String(bytes, StandardCharsets.UTF_8));
        }

        @Override
        public void flush() {
            flushed.append(written);
            written.setLength(0);
        }

        @Override
        public void end() {
            flush();
            ended = true;
        }
    }

    private SseSession open(RecordingStream stream) {
        SseSessions sessions = new SseSessions(context);
        SseSession session = sessions.create(name -> null, InetSocketAddress.createUnresolved("peer", 1), tasks::add,
                scheduler, () -> true, SseSession.Resources.NONE);
        session.open(stream);
        runTasks();
        return session;
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
    }

    private static String id(SseSession session, long n) {
        return "id: " + session.token() + "." + n + "\n";
    }

    @Test
    void eventsAreNumberedFramedAndFlushedOncePerBatchOfTasks() {
        RecordingStream stream = new RecordingStream();
        SseSession session = open(stream);
        assertThat(stream.started).isTrue();
        assertThat(stream.flushed.toString()).startsWith("retry: 1000\n" + id(session, 0) + "event: ltp-open\ndata: {");

        stream.flushed.setLength(0);
        session.send("{\"a\":1}");
        session.send("line one\nline two\r\nline three");
        assertThat(stream.flushed).as("not before the executor's next task").isEmpty();
        runTasks();
        assertThat(stream.flushed.toString()).isEqualTo(id(session, 1) + "data: {\"a\":1}\n\n"
                + id(session, 2) + "data: line one\ndata: line two\ndata: line three\n\n");
    }

    @Test
    void aReopenResendsWhatFollowsTheLastEventReadAndRefusesPositionsNotKept() {
        RecordingStream first = new RecordingStream();
        SseSession session = open(first);
        for (int i = 1; i <= 3; i++) {
            session.send("{\"n\":" + i + "}");
        }
        runTasks();
        RecordingStream second = new RecordingStream();
        assertThat(session.reopen(second, 1)).isTrue();
        runTasks();
        assertThat(first.ended).as("one stream at a time").isTrue();
        assertThat(second.flushed.toString()).isEqualTo(id(session, 2) + "data: {\"n\":2}\n\n"
                + id(session, 3) + "data: {\"n\":3}\n\n");
        assertThat(session.reopen(new RecordingStream(), 0)).as("event 1 was acknowledged by the reopen").isFalse();
        assertThat(closes).containsExactly("1006 ");
    }

    @Test
    void keepAliveCommentsAndTheWaitForALostStreamRunOnTheScheduler() {
        context.limits = TransportLimits.builder().sseKeepAlive(Duration.ofSeconds(15))
                .sseStreamWait(Duration.ofSeconds(30)).build();
        RecordingStream stream = new RecordingStream();
        SseSession session = open(stream);
        stream.flushed.setLength(0);
        scheduler.advance(Duration.ofSeconds(30));
        runTasks();
        assertThat(stream.flushed.toString()).isEqualTo(":\n\n:\n\n");

        session.streamLost(stream);
        scheduler.advance(Duration.ofSeconds(29));
        runTasks();
        assertThat(closes).isEmpty();
        session.send("{\"while\":\"away\"}");
        runTasks();
        RecordingStream back = new RecordingStream();
        assertThat(session.reopen(back, 0)).isTrue();
        runTasks();
        assertThat(back.flushed.toString()).contains("{\"while\":\"away\"}");
        session.streamLost(back);
        scheduler.advance(Duration.ofSeconds(30));
        runTasks();
        assertThat(closes).containsExactly("1006 ");
        assertThat(context.events).containsExactly(TransportEvent.SSE_STREAM_TIMEOUT);
    }

    @Test
    void unacknowledgedEventsAreBoundedAndAcknowledgedOnesFreeTheirBytes() {
        context.limits = TransportLimits.builder().maxOutboundBytesPerConnection(1_000).build();
        RecordingStream stream = new RecordingStream();
        SseSession session = open(stream);
        String big = "{\"x\":\"" + "y".repeat(300) + "\"}";
        for (int i = 0; i < 2; i++) {
            session.send(big);
        }
        runTasks();
        long ack = 2;
        List<HttpReply> answers = new ArrayList<>();
        new SseSessions.PostRequest(session, -1, ack, List.of(), new int[0], null).submit(answers::add);
        runTasks();
        assertThat(answers).containsExactly(SseWire.ACCEPTED);
        for (int i = 0; i < 2; i++) {
            session.send(big);
        }
        runTasks();
        assertThat(closes).as("acknowledged bytes no longer count").isEmpty();

        session.send(big);
        runTasks();
        assertThat(closes).containsExactly("1008 Slow consumer");
        assertThat(context.events).containsExactly(TransportEvent.SLOW_CONSUMER);
        assertThat(stream.flushed.toString()).endsWith("event: ltp-close\ndata: {\"code\":1008,\"reason\":"
                + "\"Slow consumer\"}\n\n");
        assertThat(stream.ended).isTrue();
    }

    @Test
    void postsAreHandedOverInOrderOnceEachAndParkedWhileReadingIsPaused() {
        SseSession session = open(new RecordingStream());
        List<HttpReply> answers = new ArrayList<>();
        post(session, 1, answers, "one", "two");
        post(session, 1, answers, "one again");
        post(session, 3, answers, "gap");
        session.setReading(false);
        post(session, 2, answers, "parked");
        post(session, 3, answers, "busy");
        runTasks();
        assertThat(received).containsExactly("one", "two");
        assertThat(answers).extracting(HttpReply::status).containsExactly(204, 204, 409, 429);
        session.setReading(true);
        runTasks();
        assertThat(received).containsExactly("one", "two", "parked");
        assertThat(answers).extracting(HttpReply::status).containsExactly(204, 204, 409, 429, 204);
        assertThat(context.events).containsExactly(TransportEvent.SSE_POST_BUSY);
    }

    private static void post(SseSession session, long seq, List<HttpReply> answers, String... messages) {
        int[] sizes = new int[messages.length];
        for (int i = 0; i < messages.length; i++) {
            sizes[i] = messages[i].length();
        }
        new SseSessions.PostRequest(session, seq, -1, List.of(messages), sizes, null).submit(answers::add);
    }

    @Test
    void tokensAreFreshAndTheRegistryForgetsEndedConnections() {
        SseSessions sessions = new SseSessions(context);
        SseSession a = sessions.create(name -> null, null, tasks::add, scheduler, () -> true,
                SseSession.Resources.NONE);
        SseSession b = sessions.create(name -> null, null, tasks::add, scheduler, () -> true,
                SseSession.Resources.NONE);
        assertThat(a.token()).isNotEqualTo(b.token()).matches("[A-Za-z0-9_-]{22}");
        a.open(new RecordingStream());
        List<HttpReply> answers = new ArrayList<>();
        SseSessions.CloseRequest close = sessions.parseClose(Map.of("LTP-Token", a.token())::get,
                ByteBuffer.wrap("{\"code\":4000,\"reason\":\"done\"}".getBytes(StandardCharsets.UTF_8)));
        close.submit(answers::add);
        runTasks();
        assertThat(answers).containsExactly(SseWire.ACCEPTED);
        assertThat(closes).containsExactly("4000 done");
        assertThat(sessions.size()).isEqualTo(1);
        assertThat(sessions.parsePost(Map.of("LTP-Token", a.token())::get, ByteBuffer.allocate(0)).refusal())
                .isEqualTo(SseWire.UNKNOWN_CONNECTION);
        assertThat(context.events).containsExactly(TransportEvent.SSE_UNKNOWN_TOKEN);
    }
}
