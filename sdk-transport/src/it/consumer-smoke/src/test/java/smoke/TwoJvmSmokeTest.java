package smoke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The library as a consumer gets it: by Maven coordinates, public API only, two JVMs, no logging backend. */
class TwoJvmSmokeTest {

    @Test
    void theLibraryBringsNoLoggingBackend() throws Exception {
        ClassLoader cl = getClass().getClassLoader();
        List<?> providers = Collections.list(cl.getResources("META-INF/services/org.slf4j.spi.SLF4JServiceProvider"));
        assertTrue(providers.isEmpty(), "SLF4J providers on the consumer's class path: " + providers);
        assertNull(cl.getResource("org/slf4j/impl/StaticLoggerBinder.class"), "an SLF4J 1.x binding is on the class path");
        assertTrue(cl.getResource("org/slf4j/Logger.class") != null, "slf4j-api itself comes along");
    }

    @Test
    void aBroadcasterAndAViewerInTwoJvmsStreamOverTcp() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process broadcaster = new ProcessBuilder(java, "-cp", classPath, "smoke.Broadcast")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Process viewer = null;
        try {
            BufferedReader bOut = new BufferedReader(new InputStreamReader(broadcaster.getInputStream(), StandardCharsets.UTF_8));
            String link = bOut.readLine();
            assertTrue(link != null && link.startsWith("starling:"), "broadcaster printed its link: " + link);

            viewer = new ProcessBuilder(java, "-cp", classPath, "smoke.Watch", link)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader vOut = new BufferedReader(new InputStreamReader(viewer.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("watching", vOut.readLine());
            Writer go = new OutputStreamWriter(broadcaster.getOutputStream(), StandardCharsets.UTF_8);
            go.write("go\n");
            go.flush();

            assertEquals("published 120", bOut.readLine());
            assertTrue(broadcaster.waitFor(30, TimeUnit.SECONDS), "broadcaster exits after close()");
            assertEquals(0, broadcaster.exitValue());

            List<String> lines = new ArrayList<>();
            for (String l; (l = vOut.readLine()) != null; ) {
                lines.add(l);
            }
            assertTrue(viewer.waitFor(30, TimeUnit.SECONDS), "viewer exits after the end of stream");
            assertEquals(0, viewer.exitValue(), "viewer output: " + lines);
            String summary = lines.get(lines.size() - 1);
            String[] f = summary.split(" ");
            int intact = Integer.parseInt(f[1]);
            int first = Integer.parseInt(f[3]);
            int last = Integer.parseInt(f[5]);
            assertEquals(119, last, summary);
            assertEquals(0, first % 10, "started at a random access point: " + summary);
            assertEquals(120 - first, intact, "every chunk from the start on: " + summary);
            assertFalse(summary.endsWith("false"), summary);
        } finally {
            broadcaster.destroyForcibly();
            if (viewer != null) {
                viewer.destroyForcibly();
            }
        }
    }

}
