namespace Platewatch.Recognition.Imaging;

internal static class Warp
{
    /// <summary>
    /// Rectifies the quad into a <paramref name="outW"/> x <paramref name="outH"/> patch and writes it as normalised
    /// planar BGR floats, <c>(v/255 - 0.5) / 0.5</c>, into a <paramref name="tensorW"/>-wide tensor slot; columns past
    /// <paramref name="outW"/> stay 0 (mid grey), as the recognizer was trained with.
    /// </summary>
    public static void QuadToTensor(RasterImage src, Quad q, int outW, int outH, Span<float> slot, int tensorW)
    {
        double[] m = Geometry.SquareToQuad(q, outW, outH);
        float scale = MathF.Max(q.Width / outW, q.Height / outH);
        // Supersample when shrinking so that thin strokes do not alias away.
        int k = Math.Clamp((int)MathF.Ceiling(scale), 1, 4);
        float inv = 1f / (k * k);
        int plane = outH * tensorW;
        slot[..(3 * plane)].Clear();
        ReadOnlySpan<byte> px = src.Pixels;
        int w = src.Width, h = src.Height;
        for (int v = 0; v < outH; v++)
        {
            for (int u = 0; u < outW; u++)
            {
                float sb = 0, sg = 0, sr = 0;
                for (int j = 0; j < k; j++)
                {
                    double vv = v + (j + 0.5) / k;
                    for (int i = 0; i < k; i++)
                    {
                        double uu = u + (i + 0.5) / k;
                        double z = m[6] * uu + m[7] * vv + m[8];
                        float x = (float)((m[0] * uu + m[1] * vv + m[2]) / z) - 0.5f;
                        float y = (float)((m[3] * uu + m[4] * vv + m[5]) / z) - 0.5f;
                        Sample(px, w, h, x, y, out float b, out float g, out float r);
                        sb += b; sg += g; sr += r;
                    }
                }
                int o = v * tensorW + u;
                slot[o] = sb * inv / 127.5f - 1f;
                slot[plane + o] = sg * inv / 127.5f - 1f;
                slot[2 * plane + o] = sr * inv / 127.5f - 1f;
            }
        }
    }

    /// <summary>Rectifies the quad into a new BGRA image (for the high-resolution detection pass and for debugging).</summary>
    public static RasterImage QuadToImage(RasterImage src, Quad q, int outW, int outH)
    {
        double[] m = Geometry.SquareToQuad(q, outW, outH);
        var dst = new RasterImage(outW, outH);
        var d = dst.Pixels;
        ReadOnlySpan<byte> px = src.Pixels;
        for (int v = 0; v < outH; v++)
        {
            for (int u = 0; u < outW; u++)
            {
                double uu = u + 0.5, vv = v + 0.5;
                double z = m[6] * uu + m[7] * vv + m[8];
                float x = (float)((m[0] * uu + m[1] * vv + m[2]) / z) - 0.5f;
                float y = (float)((m[3] * uu + m[4] * vv + m[5]) / z) - 0.5f;
                Sample(px, src.Width, src.Height, x, y, out float b, out float g, out float r);
                int o = (v * outW + u) * 4;
                d[o] = (byte)(b + 0.5f);
                d[o + 1] = (byte)(g + 0.5f);
                d[o + 2] = (byte)(r + 0.5f);
                d[o + 3] = 255;
            }
        }
        return dst;
    }

    private static void Sample(ReadOnlySpan<byte> px, int w, int h, float x, float y, out float b, out float g, out float r)
    {
        x = Math.Clamp(x, 0, w - 1.001f);
        y = Math.Clamp(y, 0, h - 1.001f);
        int x0 = (int)x, y0 = (int)y;
        float fx = x - x0, fy = y - y0;
        int x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
        int i00 = (y0 * w + x0) * 4, i01 = (y0 * w + x1) * 4, i10 = (y1 * w + x0) * 4, i11 = (y1 * w + x1) * 4;
        float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        b = px[i00] * w00 + px[i01] * w01 + px[i10] * w10 + px[i11] * w11;
        g = px[i00 + 1] * w00 + px[i01 + 1] * w01 + px[i10 + 1] * w10 + px[i11 + 1] * w11;
        r = px[i00 + 2] * w00 + px[i01 + 2] * w01 + px[i10 + 2] * w10 + px[i11 + 2] * w11;
    }
}
