using Platewatch.Recognition.Imaging;

namespace Platewatch.Recognition.Tests;

/// <summary>Images of solid "characters" for the ink tests: rectangles (x0, y0, x1, y1) of ink on a plate.</summary>
internal static class InkImages
{
    public static RasterImage Solid(int width, int height, IEnumerable<(int X0, int Y0, int X1, int Y1)> glyphs, byte ink = 20, byte plate = 235)
    {
        var image = new RasterImage(width, height);
        var p = image.Pixels;
        for (int i = 0; i < width * height; i++) (p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3]) = (plate, plate, plate, 255);
        foreach (var (x0, y0, x1, y1) in glyphs)
        {
            for (int y = y0; y < y1; y++)
            {
                for (int x = x0; x < x1; x++) p.Slice((y * width + x) * 4, 3).Fill(ink);
            }
        }
        return image;
    }
}
