using Platewatch.Recognition.Imaging;

namespace Platewatch.Recognition.Plates;

/// <summary>
/// A character of the number that the detector left out of the line: a county letter set apart by a gap (Idaho's
/// <c>B 33333</c>), a letter after a dash (<c>12132-W</c>), Wyoming's county number beyond the bronco. It is found in the
/// ink beside the line: a blob as tall as the line's characters, on their top and bottom lines, about as wide as one,
/// and no further off than a few characters. Stacked plate-type letters, stickers, bolts and dashes are smaller, an
/// emblem is wider or off the lines, and the plate's border touches the edge of the search.
/// </summary>
internal static class EdgeCharacters
{
    /// <summary>Height of the searched strip in pixels: a character's ink stays whole at about 30 pixels.</summary>
    private const int LineHeight = 40;
    private const int MaxWidth = 600;

    /// <summary>How far beside the line to look, in line heights.</summary>
    private const float Reach = 2.6f;

    /// <summary>
    /// The glyph quads (with a margin) of the nearest such character left and right of the line, no further from it than
    /// <paramref name="maxGap"/> character widths; null where there is none.
    /// </summary>
    public static (Quad? Left, Quad? Right) Find(RasterImage image, Quad line, float maxGap = 2.2f)
    {
        var left = line.StripLeft(Reach * line.Height);
        var right = line.StripRight(Reach * line.Height, image.Width);
        if (left is null && right is null) return (null, null);
        var whole = new Quad(left?.TopLeft ?? line.TopLeft, right?.TopRight ?? line.TopRight, right?.BottomRight ?? line.BottomRight, left?.BottomLeft ?? line.BottomLeft);
        float across = Quad.Distance(whole.TopLeft, whole.TopRight);
        float u0 = Quad.Distance(whole.TopLeft, line.TopLeft) / across, u1 = 1 - Quad.Distance(line.TopRight, whole.TopRight) / across;

        var patchQuad = whole.Expand(0, 0.12f);
        int h = LineHeight;
        int w = Math.Clamp((int)MathF.Round(h * across / MathF.Max(1, line.Height * 1.24f)), h, MaxWidth);
        using var patch = InkPatch.Of(image, patchQuad, w, h);
        // The line's own characters tell the polarity, and the height, width and lines a character of it has.
        var best = new List<Blob>();
        Blob? leftBlob = null, rightBlob = null;
        foreach (bool dark in (ReadOnlySpan<bool>)[true, false])
        {
            var all = patch.Components(dark);
            var own = GlyphCheck.Characters(all, h).Where(b => Inside(b, u0 * w, u1 * w)).ToList();
            if (own.Count < 2 || own.Count <= best.Count) continue;
            best = own;
            Pick(all, own, u0 * w, u1 * w, w, maxGap, out var l, out var r);
            (leftBlob, rightBlob) = (l, r);
        }
        if (best.Count < 2) return (null, null);
        return (leftBlob is { } lb ? GlyphCheck.Glyph(patchQuad, lb, w, h) : null, rightBlob is { } rb ? GlyphCheck.Glyph(patchQuad, rb, w, h) : null);
    }

    private static bool Inside(Blob b, float x0, float x1) => (b.X0 + b.X1) / 2f >= x0 && (b.X0 + b.X1) / 2f <= x1;

    private static void Pick(List<Blob> all, List<Blob> own, float x0, float x1, int w, float maxGap, out Blob? left, out Blob? right)
    {
        float hm = Median(own.Select(b => (float)b.Height)), wm = Median(own.Select(b => (float)b.Width));
        float top = Median(own.Select(b => (float)b.Y0)), bottom = Median(own.Select(b => (float)b.Y1));
        int ownLeft = own.Min(b => b.X0), ownRight = own.Max(b => b.X1);
        bool Character(Blob b) => b.X0 > 0 && b.X1 < w
            && MathF.Abs(b.Y0 - top) <= 0.12f * hm && MathF.Abs(b.Y1 - bottom) <= 0.12f * hm
            && b.Width >= 0.2f * wm && b.Width <= 1.3f * wm && !Inside(b, x0, x1);
        left = all.Where(b => Character(b) && b.X1 <= ownLeft && ownLeft - b.X1 <= maxGap * wm).OrderByDescending(b => b.X1).Cast<Blob?>().FirstOrDefault();
        right = all.Where(b => Character(b) && b.X0 >= ownRight && b.X0 - ownRight <= maxGap * wm).OrderBy(b => b.X0).Cast<Blob?>().FirstOrDefault();
    }

    private static float Median(IEnumerable<float> values)
    {
        var v = values.Order().ToList();
        return v[v.Count / 2];
    }
}
