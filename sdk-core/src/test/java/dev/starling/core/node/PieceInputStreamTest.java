package dev.starling.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import org.junit.jupiter.api.Test;

class PieceInputStreamTest {
    @Test
    void readsPiecesInOrderThenEndOfFile() throws Exception {
        NodeViewer.PieceInputStream in = new NodeViewer.PieceInputStream(4);
        in.offer(new byte[] {1, 2, 3});
        in.offer(new byte[] {4});
        in.end();
        InputStream s = in;
        assertThat(s.readAllBytes()).containsExactly(1, 2, 3, 4);
        assertThat(s.read()).isEqualTo(-1);
    }

    @Test
    void aReaderThatFallsBehindLosesPiecesNotTheEnd() throws Exception {
        NodeViewer.PieceInputStream in = new NodeViewer.PieceInputStream(2);
        for (int i = 0; i < 10; i++) {
            in.offer(new byte[] {(byte) i});
        }
        in.end();
        byte[] all = in.readAllBytes();
        assertThat(all).hasSizeLessThan(10).startsWith(0);
        assertThat(in.read()).isEqualTo(-1);
    }
}
