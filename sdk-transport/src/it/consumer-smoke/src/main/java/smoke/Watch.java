package smoke;

import dev.starling.api.ChannelLink;
import dev.starling.api.Starling;
import dev.starling.api.Viewer;
import java.io.DataInputStream;
import java.io.EOFException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;

/** Watches the linked channel through its InputStream until the end; prints how many chunks arrived intact. */
public final class Watch {
    public static void main(String[] args) throws Exception {
        int intact = 0;
        int first = -1;
        int previous = -1;
        boolean inOrder = true;
        try (Viewer v = Starling.viewer(ChannelLink.parse(args[0]))
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start()) {
            System.out.println("watching");
            System.out.flush();
            DataInputStream in = new DataInputStream(v.inputStream());
            byte[] chunk = new byte[Chunks.BYTES];
            while (true) {
                try {
                    in.readFully(chunk);
                } catch (EOFException end) {
                    break;
                }
                int i = ((chunk[0] & 0xFF) << 24) | ((chunk[1] & 0xFF) << 16) | ((chunk[2] & 0xFF) << 8) | (chunk[3] & 0xFF);
                if (!Arrays.equals(chunk, Chunks.chunk(i))) {
                    System.out.println("corrupt chunk at " + i);
                    System.exit(3);
                }
                inOrder &= previous < 0 || i == previous + 1;
                previous = i;
                first = first < 0 ? i : first;
                intact++;
            }
        }
        System.out.println("intact " + intact + " first " + first + " last " + previous + " inOrder " + inOrder);
    }

}
