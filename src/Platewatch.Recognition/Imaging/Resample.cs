using System.Buffers;

namespace Platewatch.Recognition.Imaging;

/// <summary>
/// Separable resampling of a BGRA region straight into a normalised planar BGR float tensor: area averaging where the
/// region shrinks (every source pixel counts once, so thin strokes do not alias away), bilinear where it grows. One
/// pass over the source rows and one over the output rows, with no intermediate image and no mipmap chain.
/// </summary>
internal static class Resample
{
    /// <summary>
    /// Writes <paramref name="region"/> of <paramref name="src"/>, resized to <paramref name="dw"/> x <paramref name="dh"/>,
    /// as three planes (B, G, R) of <c>(v - mean[c]) * scale[c]</c> into <paramref name="chw"/>.
    /// </summary>
    public static void RegionToPlanes(RasterImage src, PixelRect region, int dw, int dh, Span<float> chw,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> scale)
    {
        int rw = region.Width, rh = region.Height;
        var (xStart, xCount, xWeights, xTaps) = CachedTaps(rw, dw);
        var (yStart, yCount, yWeights, yTaps) = CachedTaps(rh, dh);
        // Horizontal pass over only the source rows some output row needs, into BGR rows of the output width.
        int rowLen = dw * 3;
        float[] rows = ArrayPool<float>.Shared.Rent(rh * rowLen);
        try
        {
            ReadOnlySpan<byte> px = src.Pixels;
            int stride = src.Stride;
            int yNeedFrom = yStart[0], yNeedTo = yStart[dh - 1] + yCount[dh - 1];
            for (int y = yNeedFrom; y < yNeedTo; y++)
            {
                var line = px.Slice((region.Y + y) * stride + region.X * 4, rw * 4);
                var o = rows.AsSpan(y * rowLen, rowLen);
                for (int x = 0; x < dw; x++)
                {
                    int s = xStart[x], c = xCount[x];
                    var wts = xWeights.AsSpan(x * xTaps, c);
                    float b = 0, g = 0, r = 0;
                    for (int t = 0; t < c; t++)
                    {
                        int p = (s + t) * 4;
                        float wt = wts[t];
                        b += line[p] * wt;
                        g += line[p + 1] * wt;
                        r += line[p + 2] * wt;
                    }
                    o[x * 3] = b;
                    o[x * 3 + 1] = g;
                    o[x * 3 + 2] = r;
                }
            }
            int n = dw * dh;
            var c0 = chw[..n];
            var c1 = chw.Slice(n, n);
            var c2 = chw.Slice(2 * n, n);
            float m0 = mean[0], m1 = mean[1], m2 = mean[2], k0 = scale[0], k1 = scale[1], k2 = scale[2];
            Span<float> acc = rowLen <= 4096 ? stackalloc float[rowLen] : new float[rowLen];
            for (int y = 0; y < dh; y++)
            {
                acc.Clear();
                int s = yStart[y], c = yCount[y];
                for (int t = 0; t < c; t++)
                {
                    float wt = yWeights[y * yTaps + t];
                    var row = rows.AsSpan((s + t) * rowLen, rowLen);
                    for (int i = 0; i < rowLen; i++) acc[i] += row[i] * wt;
                }
                int baseIdx = y * dw;
                for (int x = 0; x < dw; x++)
                {
                    c0[baseIdx + x] = (acc[x * 3] - m0) * k0;
                    c1[baseIdx + x] = (acc[x * 3 + 1] - m1) * k1;
                    c2[baseIdx + x] = (acc[x * 3 + 2] - m2) * k2;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rows);
        }
    }

    // Frames of a stream share their size, so the tables are built once per (source, output) length pair.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, int), (int[], int[], float[], int)> s_taps = new();

    private static (int[] Start, int[] Count, float[] Weights, int MaxTaps) CachedTaps(int srcLen, int dstLen)
    {
        if (s_taps.TryGetValue((srcLen, dstLen), out var t)) return t;
        t = Taps(srcLen, dstLen);
        // The high-resolution pass resizes windows of many sizes: keep the cache bounded.
        if (s_taps.Count < 256) s_taps.TryAdd((srcLen, dstLen), t);
        return t;
    }

    /// <summary>
    /// Per output index, the first source index, the number of taps and their weights (summing to 1): the overlap of
    /// the output pixel's footprint with each source pixel when shrinking, the two nearest source pixels when growing.
    /// </summary>
    internal static (int[] Start, int[] Count, float[] Weights, int MaxTaps) Taps(int srcLen, int dstLen)
    {
        double scale = (double)srcLen / dstLen;
        int maxTaps = scale > 1 ? (int)Math.Ceiling(scale) + 1 : 2;
        var start = new int[dstLen];
        var count = new int[dstLen];
        var weights = new float[dstLen * maxTaps];
        for (int i = 0; i < dstLen; i++)
        {
            if (scale > 1)
            {
                double a = i * scale, b = Math.Min(srcLen, (i + 1) * scale);
                int s = (int)a, e = Math.Min(srcLen, (int)Math.Ceiling(b));
                int c = Math.Min(maxTaps, e - s);
                start[i] = s;
                count[i] = c;
                double total = 0;
                for (int t = 0; t < c; t++)
                {
                    double lo = Math.Max(a, s + t), hi = Math.Min(b, s + t + 1);
                    double wt = Math.Max(0, hi - lo);
                    weights[i * maxTaps + t] = (float)wt;
                    total += wt;
                }
                for (int t = 0; t < c; t++) weights[i * maxTaps + t] = (float)(weights[i * maxTaps + t] / total);
            }
            else
            {
                double x = Math.Clamp((i + 0.5) * scale - 0.5, 0, srcLen - 1);
                int s = Math.Min((int)x, Math.Max(0, srcLen - 2));
                float f = (float)(x - s);
                start[i] = s;
                if (srcLen == 1)
                {
                    count[i] = 1;
                    weights[i * maxTaps] = 1;
                }
                else
                {
                    count[i] = 2;
                    weights[i * maxTaps] = 1 - f;
                    weights[i * maxTaps + 1] = f;
                }
            }
        }
        return (start, count, weights, maxTaps);
    }
}
