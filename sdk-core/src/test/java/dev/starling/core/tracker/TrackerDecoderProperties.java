package dev.starling.core.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** The tracker decoders take any bytes: a value, or a {@link TrackerReplyException}, never anything else. */
class TrackerDecoderProperties {

    @Property(tries = 2000)
    void bencodeOfArbitraryBytesFailsCleanly(@ForAll @Size(max = 400) byte[] bytes) {
        try {
            Bencode.decode(bytes, 1024);
        } catch (TrackerReplyException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 1000)
    void bencodeOfMutatedValidRepliesFailsCleanly(@ForAll("replies") byte[] reply, @ForAll int position,
                                                  @ForAll byte value) {
        byte[] mutated = reply.clone();
        mutated[Math.floorMod(position, mutated.length)] = value;
        try {
            HttpTrackerProtocol.parseReply(mutated);
        } catch (TrackerReplyException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 500)
    void bencodeRoundTrips(@ForAll long seed) throws TrackerReplyException {
        byte[] encoded = encode(randomValue(new java.util.SplittableRandom(seed), 0));
        assertThat(encode(Bencode.decode(encoded, encoded.length))).isEqualTo(encoded);
    }

    @Property(tries = 2000)
    void udpTrackerRepliesOfArbitraryBytesFailCleanly(@ForAll @Size(max = 300) byte[] datagram) {
        UdpTrackerSession s = new UdpTrackerSession(new byte[20], new byte[20], 4000, 4, 1_000_000_000L, 1, 0);
        byte[] request = s.poll(0);
        if (datagram.length >= 8) {
            // Answer the request in flight so the decoder gets past the transaction check.
            System.arraycopy(request, 12, datagram, 4, 4); // the connect request's transaction id
        }
        try {
            s.onDatagram(datagram, 1);
        } catch (TrackerReplyException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<byte[]> replies() {
        Arbitrary<byte[]> peers = Arbitraries.bytes().array(byte[].class).ofMaxSize(60);
        return Arbitraries.integers().between(0, 4000).flatMap(interval -> peers.map(p -> {
            Map<String, Object> m = new TreeMap<>();
            m.put("interval", (long) interval);
            m.put("peers", p);
            return encode(m);
        }));
    }

    private static Object randomValue(java.util.SplittableRandom r, int depth) {
        int kind = r.nextInt(depth >= 3 ? 2 : 4);
        switch (kind) {
            case 0:
                return r.nextLong(-1_000_000_000_000L, 1_000_000_000_000L);
            case 1: {
                byte[] b = new byte[r.nextInt(20)];
                r.nextBytes(b);
                return b;
            }
            case 2: {
                List<Object> list = new java.util.ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    list.add(randomValue(r, depth + 1));
                }
                return list;
            }
            default: {
                Map<String, Object> map = new TreeMap<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    map.put(Long.toString(r.nextLong(1000), 36), randomValue(r, depth + 1));
                }
                return map;
            }
        }
    }

    /** A reference encoder, for the tests only. */
    static byte[] encode(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(value, out);
        return out.toByteArray();
    }

    private static void write(Object value, ByteArrayOutputStream out) {
        if (value instanceof Long l) {
            out.writeBytes(("i" + l + "e").getBytes(StandardCharsets.US_ASCII));
        } else if (value instanceof byte[] b) {
            out.writeBytes((b.length + ":").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(b);
        } else if (value instanceof String s) {
            write(s.getBytes(StandardCharsets.ISO_8859_1), out);
        } else if (value instanceof List<?> list) {
            out.write('l');
            list.forEach(v -> write(v, out));
            out.write('e');
        } else if (value instanceof Map<?, ?> map) {
            out.write('d');
            new TreeMap<>(map).forEach((k, v) -> {
                write(k, out);
                write(v, out);
            });
            out.write('e');
        } else {
            throw new IllegalArgumentException(String.valueOf(value));
        }
    }
}
