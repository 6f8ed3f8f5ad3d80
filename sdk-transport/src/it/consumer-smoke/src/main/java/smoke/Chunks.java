package smoke;

import java.util.Random;

/** The smoke stream: chunk i is 4 bytes of i, then 12,000 bytes from a generator seeded with i. */
final class Chunks {
    static final int BYTES = 12_004;

    private Chunks() {
    }

    static byte[] chunk(int i) {
        byte[] b = new byte[BYTES];
        new Random(i).nextBytes(b);
        b[0] = (byte) (i >>> 24);
        b[1] = (byte) (i >>> 16);
        b[2] = (byte) (i >>> 8);
        b[3] = (byte) i;
        return b;
    }
}
