package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.starling.api.spi.Connection;
import dev.starling.api.spi.ConnectionHandler;
import dev.starling.api.spi.FrameLimits;
import dev.starling.api.spi.HeapPayload;
import dev.starling.api.spi.Payload;
import dev.starling.api.spi.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Transport} must do, run against each one ({@code tcp}, {@code sim}; an integrator can
 * extend it for theirs). A subclass supplies transports and a way to let their events happen: real transports
 * wait for them, the simulator advances virtual time.
 */
public abstract class TransportContractTest {
    /** Guards and signals every recorder's events, so a waiting test wakes on any of them. */
    public static final Object EVENTS = new Object();

    private final List<Transport> open = new ArrayList<>();
    protected Transport a;
    protected Transport b;
    protected Recorder ra;
    protected Recorder rb;

    /** @return a new transport, with no loss */
    protected abstract Transport newTransport();

    /** @return the address {@link #a} listens on (port 0) */
    protected abstract InetSocketAddress bindAddress();

    /** @return an address where nothing listens */
    protected abstract InetSocketAddress deadAddress();

    /** Lets events happen until {@code done} holds; fails naming {@code what} if it never does. */
    protected abstract void drive(String what, BooleanSupplier done);

    /**
     * @return {@code bound} named by a host name that resolves to it (unresolved), or null for a transport that dials
     *         resolved addresses only (the default)
     */
    protected InetSocketAddress byHostName(InetSocketAddress bound) {
        return null;
    }

    @BeforeEach
    void twoTransports() {
        a = track(newTransport());
        b = track(newTransport());
        ra = new Recorder();
        rb = new Recorder();
    }

    @AfterEach
    void closeAll() {
        open.forEach(Transport::close);
    }

    protected Transport track(Transport t) {
        open.add(t);
        return t;
    }

    /** Runs {@code task} on {@code t}'s loop and returns once it has run. */
    protected void onLoop(Transport t, Runnable task) {
        if (t.loop().inLoop()) {
            task.run();
            return;
        }
        AtomicBoolean ran = new AtomicBoolean();
        t.loop().execute(() -> {
            task.run();
            synchronized (EVENTS) {
                ran.set(true);
                EVENTS.notifyAll();
            }
        });
        drive("a task on the loop", ran::get);
    }

    /** Connects b to a; returns {a's end, b's end}. */
    protected Connection[] connect() throws IOException {
        InetSocketAddress bound = a.listen(bindAddress(), ra);
        b.handler(rb);
        onLoop(b, () -> b.connect(bound));
        drive("both ends connected", () -> ra.connected().size() == 1 && rb.connected().size() == 1);
        return new Connection[] {ra.connected().get(0), rb.connected().get(0)};
    }

    @Test
    void listensOnAFreePortAndConnectsWithEachEndKnowingItsSide() throws IOException {
        InetSocketAddress bound = a.listen(bindAddress(), ra);
        assertThat(bound.getPort()).isPositive();
        b.handler(rb);
        onLoop(b, () -> b.connect(bound));
        drive("both ends connected", () -> ra.connected().size() == 1 && rb.connected().size() == 1);
        Connection inbound = ra.connected().get(0);
        Connection outbound = rb.connected().get(0);
        assertThat(inbound.inbound()).isTrue();
        assertThat(outbound.inbound()).isFalse();
        assertThat(outbound.remoteAddress().getPort()).isEqualTo(bound.getPort());
        onLoop(b, () -> assertThat(outbound.isWritable()).isTrue());
        onLoop(b, () -> assertThat(outbound.queuedBytes()).isZero());
    }

    @Test
    void anOutboundLinkKnowsTheAddressItWasDialledAt() throws IOException {
        InetSocketAddress bound = a.listen(bindAddress(), ra);
        b.handler(rb);
        onLoop(b, () -> b.connect(bound));
        drive("both ends connected", () -> ra.connected().size() == 1 && rb.connected().size() == 1);
        assertThat(rb.connected().get(0).dialledAddress()).isEqualTo(bound);
        assertThat(ra.connected().get(0).dialledAddress()).as("inbound").isNull();
    }

    @Test
    void aHostNameIsDialledAtWhatItResolvesToAndTheLinkStillNamesIt() throws IOException {
        InetSocketAddress bound = a.listen(bindAddress(), ra);
        InetSocketAddress named = byHostName(bound);
        assumeTrue(named != null, "this transport dials resolved addresses only");
        assertThat(named.isUnresolved()).isTrue();
        b.handler(rb);
        onLoop(b, () -> b.connect(named));
        drive("both ends connected", () -> ra.connected().size() == 1 && rb.connected().size() == 1);
        Connection outbound = rb.connected().get(0);
        assertThat(outbound.dialledAddress()).isEqualTo(named);
        assertThat(outbound.remoteAddress().isUnresolved()).isFalse();
        assertThat(outbound.remoteAddress().getPort()).isEqualTo(bound.getPort());
    }

    @Test
    void aHostNameThatDoesNotResolveFailsUnderTheNameAsked() throws IOException {
        InetSocketAddress bound = a.listen(bindAddress(), ra);
        assumeTrue(byHostName(bound) != null, "this transport dials resolved addresses only");
        InetSocketAddress nowhere = InetSocketAddress.createUnresolved("no-such-host.invalid", bound.getPort());
        b.handler(rb);
        onLoop(b, () -> b.connect(nowhere));
        drive("connect failed", () -> rb.connectFailed().size() == 1);
        assertThat(rb.connectFailed().get(0)).as("the node matches the failure to its dial by it").isEqualTo(nowhere);
        assertThat(rb.connected()).isEmpty();
    }

    @Test
    void framesArriveWholeAndInOrderInBothDirections() throws IOException {
        Connection[] ends = connect();
        SplittableRandom random = new SplittableRandom(5);
        int[] sizes = {0, 1, 1199, 1200, 1201, 16384, 65536, FrameLimits.MAX_PAYLOAD_BYTES};
        List<byte[]> sentHeaders = new ArrayList<>();
        List<byte[]> sentPayloads = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            byte[] h = new byte[1 + random.nextInt(200)];
            random.nextBytes(h);
            byte[] p = new byte[sizes[i % sizes.length]];
            random.nextBytes(p);
            sentHeaders.add(h);
            sentPayloads.add(p);
        }
        for (int dir = 0; dir < 2; dir++) {
            Transport from = dir == 0 ? b : a;
            Connection sender = dir == 0 ? ends[1] : ends[0];
            Recorder to = dir == 0 ? ra : rb;
            onLoop(from, () -> {
                for (int i = 0; i < sentHeaders.size(); i++) {
                    sender.send(sentHeaders.get(i), Payload.wrap(sentPayloads.get(i)));
                }
            });
            drive("all frames received", () -> to.frames().size() == sentHeaders.size());
            List<byte[][]> got = to.frames();
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i)[0]).as("header %d", i).isEqualTo(sentHeaders.get(i));
                assertThat(got.get(i)[1]).as("payload %d", i).isEqualTo(sentPayloads.get(i));
            }
        }
    }

    @Test
    void everyReferenceToASentPayloadIsReleasedOnceTheReceiverReleasesIt() throws IOException {
        Connection[] ends = connect();
        CountingPayload payload = new CountingPayload(new byte[20_000]);
        onLoop(b, () -> ends[1].send(new byte[] {1}, payload));
        drive("frame received", () -> ra.frames().size() == 1);
        onLoop(b, () -> { }); // the sender's loop has finished its write by the time this task runs
        assertThat(payload.refCnt()).isZero();
    }

    @Test
    void anOversizedFrameIsRefusedAtTheSenderAndItsPayloadReleased() throws IOException {
        Connection[] ends = connect();
        CountingPayload payload = new CountingPayload(new byte[10]);
        onLoop(b, () -> assertThatThrownBy(() -> ends[1].send(new byte[FrameLimits.MAX_HEADER_BYTES + 1], payload))
                .isInstanceOf(IllegalArgumentException.class));
        assertThat(payload.refCnt()).isZero();
    }

    @Test
    void closeReachesBothEndsAndTheCloserSeesItsOwnReason() throws IOException {
        Connection[] ends = connect();
        onLoop(b, () -> ends[1].close("test is done"));
        drive("both ends disconnected", () -> ra.disconnected().size() == 1 && rb.disconnected().size() == 1);
        assertThat(rb.disconnected().get(0)).isEqualTo("test is done");
        CountingPayload late = new CountingPayload(new byte[100]);
        onLoop(b, () -> ends[1].send(new byte[] {1}, late)); // harmless on a closed link
        assertThat(late.refCnt()).isZero();
    }

    @Test
    void eachEndKeepsWhatItsHandlerAttachedUntilItIsCleared() throws IOException {
        Connection[] ends = connect();
        Object atA = new Object();
        Object atB = new Object();
        onLoop(a, () -> ends[0].attach(atA));
        onLoop(b, () -> ends[1].attach(atB));
        onLoop(a, () -> assertThat(ends[0].attachment()).isSameAs(atA));
        onLoop(b, () -> assertThat(ends[1].attachment()).isSameAs(atB));
        onLoop(a, () -> ends[0].attach(null));
        onLoop(a, () -> assertThat(ends[0].attachment()).isNull());
    }

    @Test
    void connectingWhereNobodyListensFails() {
        b.handler(rb);
        InetSocketAddress dead = deadAddress();
        onLoop(b, () -> b.connect(dead));
        drive("connect failed", () -> rb.connectFailed().size() == 1);
        assertThat(rb.connectFailed().get(0)).isEqualTo(dead);
        assertThat(rb.connected()).isEmpty();
    }

    @Test
    void closingATransportClosesItsLinksStopsListeningAndEndsItsEvents() throws IOException {
        Connection[] ends = connect();
        InetSocketAddress bound = ends[1].remoteAddress();
        a.close();
        drive("the peer saw the link close", () -> rb.disconnected().size() == 1);
        int eventsAfterClose = ra.count();
        onLoop(b, () -> b.connect(bound));
        drive("a new connect fails", () -> rb.connectFailed().size() == 1);
        assertThat(ra.count()).as("no events reach a closed transport's handler").isEqualTo(eventsAfterClose);
        assertThat(ra.disconnected()).isEmpty();
    }

    /** A payload that counts its references. */
    protected static final class CountingPayload extends HeapPayload {
        private int refs = 1;

        CountingPayload(byte[] bytes) {
            super(bytes);
        }

        synchronized int refCnt() {
            return refs;
        }

        @Override
        public synchronized Payload retain() {
            refs++;
            return this;
        }

        @Override
        public synchronized boolean release() {
            if (refs <= 0) {
                throw new IllegalStateException("released more often than retained");
            }
            return --refs == 0;
        }
    }

    /** Records a handler's events, copying payloads and releasing them at once. Thread-safe. */
    public static class Recorder implements ConnectionHandler {
        private final List<Connection> connected = new ArrayList<>();
        private final List<byte[][]> frames = new ArrayList<>();
        private final List<String> disconnected = new ArrayList<>();
        private final List<InetSocketAddress> connectFailed = new ArrayList<>();
        private final List<Boolean> writability = new ArrayList<>();
        private int count;

        @Override
        public void onConnected(Connection connection) {
            record(() -> connected.add(connection));
        }

        @Override
        public void onFrame(Connection connection, byte[] header, Payload payload) {
            byte[] bytes = payload.toByteArray();
            payload.release();
            record(() -> frames.add(new byte[][] {header, bytes}));
        }

        @Override
        public void onWritabilityChanged(Connection connection, boolean writable) {
            record(() -> writability.add(writable));
        }

        @Override
        public void onDisconnected(Connection connection, String reason) {
            record(() -> disconnected.add(reason));
        }

        @Override
        public void onConnectFailed(InetSocketAddress remote, String reason) {
            record(() -> connectFailed.add(remote));
        }

        private void record(Runnable r) {
            synchronized (EVENTS) {
                r.run();
                count++;
                EVENTS.notifyAll();
            }
        }

        public List<Connection> connected() {
            synchronized (EVENTS) {
                return List.copyOf(connected);
            }
        }

        public List<byte[][]> frames() {
            synchronized (EVENTS) {
                return List.copyOf(frames);
            }
        }

        public List<String> disconnected() {
            synchronized (EVENTS) {
                return List.copyOf(disconnected);
            }
        }

        public List<InetSocketAddress> connectFailed() {
            synchronized (EVENTS) {
                return List.copyOf(connectFailed);
            }
        }

        public List<Boolean> writability() {
            synchronized (EVENTS) {
                return List.copyOf(writability);
            }
        }

        public int count() {
            synchronized (EVENTS) {
                return count;
            }
        }
    }
}
