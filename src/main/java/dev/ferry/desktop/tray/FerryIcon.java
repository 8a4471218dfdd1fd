package dev.ferry.desktop.tray;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.GeneralPath;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Ferry's icon, drawn with Java2D so it is crisp at any size: a boat on a wave, white on a blue
 * rounded square. {@code src/main/resources/dev/ferry/desktop/ferry-256.png} (the window's and the
 * installers' icon) is this drawing at 256 px; {@link #main} writes it again.
 */
public final class FerryIcon {
  static final Color BLUE = new Color(0x1F6FEB);
  static final Color DEEP = new Color(0x0B4FB3);

  private FerryIcon() {}

  /** The icon at {@code size}×{@code size} pixels, transparent outside the rounded square. */
  public static BufferedImage image(int size) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.scale(size / 64.0, size / 64.0); // drawn on a 64-unit grid
      g.setPaint(new java.awt.GradientPaint(0, 0, BLUE, 0, 64, DEEP));
      g.fill(new RoundRectangle2D.Double(2, 2, 60, 60, 16, 16));
      g.setColor(Color.WHITE);
      // cabin and funnel
      g.fillRoundRect(24, 17, 16, 11, 3, 3);
      g.fillRect(29, 11, 5, 7);
      // hull: a trapezoid with a raised bow
      GeneralPath hull = new GeneralPath();
      hull.moveTo(11, 30);
      hull.lineTo(54, 30);
      hull.lineTo(47, 41);
      hull.lineTo(17, 41);
      hull.closePath();
      g.fill(hull);
      // waves
      g.setStroke(new BasicStroke(3.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      for (int row = 0; row < 2; row++) {
        double y = 47 + row * 7;
        GeneralPath wave = new GeneralPath();
        wave.moveTo(10, y);
        for (int i = 0; i < 4; i++) {
          double x = 10 + i * 11;
          wave.quadTo(x + 2.75, y - 3, x + 5.5, y);
          wave.quadTo(x + 8.25, y + 3, x + 11, y);
        }
        g.draw(wave);
      }
    } finally {
      g.dispose();
    }
    return img;
  }

  /** Writes the 256 px PNG: {@code FerryIcon FILE}. */
  public static void main(String[] args) throws IOException {
    ImageIO.write(image(256), "png", Path.of(args[0]).toFile());
  }
}
