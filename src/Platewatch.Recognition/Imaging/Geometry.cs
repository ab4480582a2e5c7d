namespace Platewatch.Recognition.Imaging;

/// <summary>A rotated rectangle: centre, size along its own axes, and angle of its width axis in radians.</summary>
internal readonly record struct RotatedRect(float Cx, float Cy, float Width, float Height, float Angle)
{
    /// <summary>Corners in order top-left, top-right, bottom-right, bottom-left (image y grows down).</summary>
    public Quad Corners()
    {
        float c = MathF.Cos(Angle), s = MathF.Sin(Angle);
        float hw = Width / 2, hh = Height / 2;
        // ux,uy: along the width; vx,vy: along the height (downwards).
        float ux = c * hw, uy = s * hw, vx = -s * hh, vy = c * hh;
        return new Quad(
            new PointF(Cx - ux - vx, Cy - uy - vy),
            new PointF(Cx + ux - vx, Cy + uy - vy),
            new PointF(Cx + ux + vx, Cy + uy + vy),
            new PointF(Cx - ux + vx, Cy - uy + vy));
    }

    public RotatedRect Inflate(float dw, float dh) => this with { Width = Width + 2 * dw, Height = Height + 2 * dh };
}

/// <summary>Four corners: top-left, top-right, bottom-right, bottom-left.</summary>
internal readonly record struct Quad(PointF TopLeft, PointF TopRight, PointF BottomRight, PointF BottomLeft)
{
    public float TopWidth => Distance(TopLeft, TopRight);
    public float BottomWidth => Distance(BottomLeft, BottomRight);
    public float LeftHeight => Distance(TopLeft, BottomLeft);
    public float RightHeight => Distance(TopRight, BottomRight);
    public float Width => (TopWidth + BottomWidth) / 2;
    public float Height => (LeftHeight + RightHeight) / 2;

    public PointF Center => new((TopLeft.X + TopRight.X + BottomRight.X + BottomLeft.X) / 4, (TopLeft.Y + TopRight.Y + BottomRight.Y + BottomLeft.Y) / 4);

    public (float MinX, float MinY, float MaxX, float MaxY) Bounds()
    {
        float minX = MathF.Min(MathF.Min(TopLeft.X, TopRight.X), MathF.Min(BottomRight.X, BottomLeft.X));
        float maxX = MathF.Max(MathF.Max(TopLeft.X, TopRight.X), MathF.Max(BottomRight.X, BottomLeft.X));
        float minY = MathF.Min(MathF.Min(TopLeft.Y, TopRight.Y), MathF.Min(BottomRight.Y, BottomLeft.Y));
        float maxY = MathF.Max(MathF.Max(TopLeft.Y, TopRight.Y), MathF.Max(BottomRight.Y, BottomLeft.Y));
        return (minX, minY, maxX, maxY);
    }

    public Quad Scale(float sx, float sy, float ox = 0, float oy = 0) => new(
        new PointF(TopLeft.X * sx + ox, TopLeft.Y * sy + oy), new PointF(TopRight.X * sx + ox, TopRight.Y * sy + oy),
        new PointF(BottomRight.X * sx + ox, BottomRight.Y * sy + oy), new PointF(BottomLeft.X * sx + ox, BottomLeft.Y * sy + oy));

    /// <summary>
    /// The strip beside the quad's left edge, up to <paramref name="reach"/> pixels wide along the quad's own
    /// direction and as tall as the quad, cut where the image ends; null when less than a third of its height is left.
    /// </summary>
    public Quad? StripLeft(float reach)
    {
        var (ux, uy) = Along();
        reach = MathF.Min(reach, MathF.Min(TopLeft.X, BottomLeft.X) / MathF.Max(0.5f, ux));
        if (reach < 0.3f * Height) return null;
        float dx = ux * reach, dy = uy * reach;
        return new Quad(new PointF(TopLeft.X - dx, TopLeft.Y - dy), TopLeft, BottomLeft, new PointF(BottomLeft.X - dx, BottomLeft.Y - dy));
    }

    /// <summary>The strip beside the quad's right edge, as <see cref="StripLeft"/>, in an image <paramref name="imageWidth"/> wide.</summary>
    public Quad? StripRight(float reach, int imageWidth)
    {
        var (ux, uy) = Along();
        reach = MathF.Min(reach, (imageWidth - MathF.Max(TopRight.X, BottomRight.X)) / MathF.Max(0.5f, ux));
        if (reach < 0.3f * Height) return null;
        float dx = ux * reach, dy = uy * reach;
        return new Quad(TopRight, new PointF(TopRight.X + dx, TopRight.Y + dy), new PointF(BottomRight.X + dx, BottomRight.Y + dy), BottomRight);
    }

    /// <summary>The unit vector along the top edge.</summary>
    private (float X, float Y) Along()
    {
        float w = MathF.Max(1, TopWidth);
        return ((TopRight.X - TopLeft.X) / w, (TopRight.Y - TopLeft.Y) / w);
    }

    /// <summary>Grows the quad about its centre, by fractions of its width and height.</summary>
    public Quad Expand(float fx, float fy)
    {
        // Edge directions in the quad's own frame keep the expansion aligned with a tilted plate.
        var c = Center;
        PointF Move(PointF p, float ux, float uy, float vx, float vy, float sx, float sy) =>
            new(p.X + sx * ux * fx + sy * vx * fy, p.Y + sx * uy * fx + sy * vy * fy);
        float ux = ((TopRight.X - TopLeft.X) + (BottomRight.X - BottomLeft.X)) / 2;
        float uy = ((TopRight.Y - TopLeft.Y) + (BottomRight.Y - BottomLeft.Y)) / 2;
        float vx = ((BottomLeft.X - TopLeft.X) + (BottomRight.X - TopRight.X)) / 2;
        float vy = ((BottomLeft.Y - TopLeft.Y) + (BottomRight.Y - TopRight.Y)) / 2;
        _ = c;
        return new Quad(
            Move(TopLeft, ux, uy, vx, vy, -0.5f, -0.5f), Move(TopRight, ux, uy, vx, vy, 0.5f, -0.5f),
            Move(BottomRight, ux, uy, vx, vy, 0.5f, 0.5f), Move(BottomLeft, ux, uy, vx, vy, -0.5f, 0.5f));
    }

    /// <summary>The point at (u, v) of the quad, bilinearly: u along it, v across (either may lie outside 0-1).</summary>
    public PointF At(float u, float v) => new(
        (1 - u) * (1 - v) * TopLeft.X + u * (1 - v) * TopRight.X + u * v * BottomRight.X + (1 - u) * v * BottomLeft.X,
        (1 - u) * (1 - v) * TopLeft.Y + u * (1 - v) * TopRight.Y + u * v * BottomRight.Y + (1 - u) * v * BottomLeft.Y);

    /// <summary>The part of the quad between fractions u0-u1 along it and v0-v1 across.</summary>
    public Quad Part(float u0, float v0, float u1, float v1) => new(At(u0, v0), At(u1, v0), At(u1, v1), At(u0, v1));

    public static Quad FromRect(float x0, float y0, float x1, float y1) =>
        new(new PointF(x0, y0), new PointF(x1, y0), new PointF(x1, y1), new PointF(x0, y1));

    public static float Distance(PointF a, PointF b) => MathF.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
}

internal static class Geometry
{
    /// <summary>Convex hull (monotone chain) of integer points, written into <paramref name="hull"/>; returns its length.</summary>
    public static int ConvexHull(Span<(int X, int Y)> pts, Span<(int X, int Y)> hull)
    {
        int n = pts.Length;
        if (n < 3)
        {
            pts.CopyTo(hull);
            return n;
        }
        pts.Sort(static (a, b) => a.X != b.X ? a.X.CompareTo(b.X) : a.Y.CompareTo(b.Y));
        int k = 0;
        for (int i = 0; i < n; i++)
        {
            while (k >= 2 && Cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) k--;
            hull[k++] = pts[i];
        }
        for (int i = n - 2, t = k + 1; i >= 0; i--)
        {
            while (k >= t && Cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) k--;
            hull[k++] = pts[i];
        }
        return k - 1;
    }

    private static long Cross((int X, int Y) o, (int X, int Y) a, (int X, int Y) b) =>
        (long)(a.X - o.X) * (b.Y - o.Y) - (long)(a.Y - o.Y) * (b.X - o.X);

    /// <summary>Minimum-area enclosing rectangle of a convex polygon, by trying each edge direction.</summary>
    public static RotatedRect MinAreaRect(ReadOnlySpan<(int X, int Y)> hull)
    {
        if (hull.Length == 0) return default;
        if (hull.Length == 1) return new RotatedRect(hull[0].X + 0.5f, hull[0].Y + 0.5f, 1, 1, 0);
        float bestArea = float.MaxValue;
        RotatedRect best = default;
        for (int i = 0; i < hull.Length; i++)
        {
            var a = hull[i];
            var b = hull[(i + 1) % hull.Length];
            float ex = b.X - a.X, ey = b.Y - a.Y;
            float len = MathF.Sqrt(ex * ex + ey * ey);
            if (len < 1e-6f) continue;
            float ux = ex / len, uy = ey / len;
            float minU = float.MaxValue, maxU = float.MinValue, minV = float.MaxValue, maxV = float.MinValue;
            foreach (var p in hull)
            {
                float u = p.X * ux + p.Y * uy;
                float v = -p.X * uy + p.Y * ux;
                if (u < minU) minU = u;
                if (u > maxU) maxU = u;
                if (v < minV) minV = v;
                if (v > maxV) maxV = v;
            }
            float area = (maxU - minU) * (maxV - minV);
            if (area < bestArea)
            {
                bestArea = area;
                float cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
                float cx = cu * ux - cv * uy, cy = cu * uy + cv * ux;
                best = new RotatedRect(cx, cy, maxU - minU, maxV - minV, MathF.Atan2(uy, ux));
            }
        }
        return Normalize(best);
    }

    /// <summary>Makes width the longer, roughly horizontal side, with the angle in (-pi/2, pi/2].</summary>
    public static RotatedRect Normalize(RotatedRect r)
    {
        float w = r.Width, h = r.Height, a = r.Angle;
        // Pixel centres: the hull runs through pixel corners' integer coordinates, so add half a pixel each way.
        w += 1;
        h += 1;
        // Choose the axis closest to horizontal as the width axis.
        while (a > MathF.PI / 2) a -= MathF.PI;
        while (a <= -MathF.PI / 2) a += MathF.PI;
        if (MathF.Abs(a) > MathF.PI / 4)
        {
            (w, h) = (h, w);
            a = a > 0 ? a - MathF.PI / 2 : a + MathF.PI / 2;
        }
        return new RotatedRect(r.Cx + 0.5f, r.Cy + 0.5f, w, h, a);
    }

    /// <summary>
    /// The homography that maps destination pixel (u, v) in a <paramref name="dstW"/> x <paramref name="dstH"/> image
    /// onto the source quad. Solved in closed form for the unit square, then scaled.
    /// </summary>
    public static double[] SquareToQuad(Quad q, int dstW, int dstH)
    {
        double x0 = q.TopLeft.X, y0 = q.TopLeft.Y, x1 = q.TopRight.X, y1 = q.TopRight.Y;
        double x2 = q.BottomRight.X, y2 = q.BottomRight.Y, x3 = q.BottomLeft.X, y3 = q.BottomLeft.Y;
        double dx1 = x1 - x2, dx2 = x3 - x2, dx3 = x0 - x1 + x2 - x3;
        double dy1 = y1 - y2, dy2 = y3 - y2, dy3 = y0 - y1 + y2 - y3;
        double a, b, c, d, e, f, g, h;
        if (Math.Abs(dx3) < 1e-9 && Math.Abs(dy3) < 1e-9)
        {
            a = x1 - x0; b = x3 - x0; c = x0; d = y1 - y0; e = y3 - y0; f = y0; g = 0; h = 0;
        }
        else
        {
            double den = dx1 * dy2 - dx2 * dy1;
            g = (dx3 * dy2 - dx2 * dy3) / den;
            h = (dx1 * dy3 - dx3 * dy1) / den;
            a = x1 - x0 + g * x1; b = x3 - x0 + h * x3; c = x0;
            d = y1 - y0 + g * y1; e = y3 - y0 + h * y3; f = y0;
        }
        // Source = H * (u/dstW, v/dstH, 1).
        double sx = 1.0 / dstW, sy = 1.0 / dstH;
        return [a * sx, b * sy, c, d * sx, e * sy, f, g * sx, h * sy, 1];
    }
}
