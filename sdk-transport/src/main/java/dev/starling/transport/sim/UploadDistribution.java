package dev.starling.transport.sim;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How viewers' upload capacities are drawn, as multiples of the bitrate: {@code heterogeneous} (20% 0.5x,
 * 50% 1.2x, 30% 3x) or {@code uniform:X}.
 */
public final class UploadDistribution {
    private final String text;
    private final double[] multiples;
    private final double[] shares;

    private UploadDistribution(String text, double[] multiples, double[] shares) {
        this.text = text;
        this.multiples = multiples;
        this.shares = shares;
    }

    /** @return the distribution named by {@code text} */
    public static UploadDistribution parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("heterogeneous")) {
            return new UploadDistribution(t, new double[] {0.5, 1.2, 3.0}, new double[] {0.2, 0.5, 0.3});
        }
        if (t.startsWith("uniform:")) {
            double x;
            try {
                x = Double.parseDouble(t.substring("uniform:".length()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("upload distribution '" + text + "': uniform:X needs a number");
            }
            if (!(x >= 0) || x > 1000) {
                throw new IllegalArgumentException("upload distribution '" + text + "': X must be in 0..1000");
            }
            return new UploadDistribution(t, new double[] {x}, new double[] {1.0});
        }
        throw new IllegalArgumentException("upload distribution '" + text + "': use heterogeneous or uniform:X");
    }

    /** @return a multiple of the bitrate drawn from the distribution */
    public double draw(SplittableRandom random) {
        double u = random.nextDouble();
        for (int i = 0; i < shares.length - 1; i++) {
            u -= shares[i];
            if (u < 0) {
                return multiples[i];
            }
        }
        return multiples[multiples.length - 1];
    }

    /** @return the class label of a multiple, e.g. "1.2x" */
    public static String label(double multiple) {
        String s = String.format(Locale.ROOT, "%.2f", multiple).replaceAll("0+$", "").replaceAll("\\.$", "");
        return s + "x";
    }

    @Override
    public String toString() {
        return text;
    }
}
