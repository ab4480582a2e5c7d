using System.Buffers;

namespace Platewatch.Recognition.Imaging;

/// <summary>A connected blob of ink: its bounding box (exclusive ends) and its label in the label image.</summary>
internal readonly record struct Blob(int X0, int Y0, int X1, int Y1, int Label)
{
    public int Width => X1 - X0;
    public int Height => Y1 - Y0;
}

/// <summary>Ink of a rectified patch: grey levels, a global Otsu threshold, and connected components.</summary>
internal static class Ink
{
    public static void ToGray(RasterImage img, Span<byte> gray)
    {
        ReadOnlySpan<byte> px = img.Pixels;
        for (int i = 0; i < gray.Length; i++)
            gray[i] = (byte)((29 * px[4 * i] + 150 * px[4 * i + 1] + 77 * px[4 * i + 2]) >> 8);
    }

    public static byte Otsu(ReadOnlySpan<byte> gray)
    {
        Span<int> hist = stackalloc int[256];
        foreach (byte g in gray) hist[g]++;
        long total = gray.Length, sum = 0;
        for (int i = 0; i < 256; i++) sum += (long)i * hist[i];
        long sumB = 0, wB = 0;
        double best = -1;
        int t = 128;
        for (int i = 0; i < 256; i++)
        {
            wB += hist[i];
            if (wB == 0) continue;
            long wF = total - wB;
            if (wF == 0) break;
            sumB += (long)i * hist[i];
            double mB = (double)sumB / wB, mF = (double)(sum - sumB) / wF;
            double between = (double)wB * wF * (mB - mF) * (mB - mF);
            if (between > best) { best = between; t = i; }
        }
        return (byte)t;
    }

    /// <summary>
    /// 8-connected components of the ink (dark: at or below <paramref name="t"/>; light: above it), as bounding boxes;
    /// <paramref name="labels"/> holds each pixel's blob label. Specks under 4 pixels are left out.
    /// </summary>
    public static List<Blob> Components(ReadOnlySpan<byte> gray, Span<int> labels, int w, int h, byte t, bool dark)
    {
        labels.Clear();
        var blobs = new List<Blob>();
        // Each pixel is pushed at most once, as it is labelled when pushed.
        int[] stack = ArrayPool<int>.Shared.Rent(gray.Length);
        int top = 0;
        int next = 0;
        try
        {
            for (int start = 0; start < gray.Length; start++)
            {
                if (labels[start] != 0 || !IsInk(gray[start])) continue;
                next++;
                labels[start] = next;
                stack[top++] = start;
                int x0 = w, y0 = h, x1 = 0, y1 = 0, n = 0;
                while (top > 0)
                {
                    int p = stack[--top];
                    int x = p % w, y = p / w;
                    n++;
                    x0 = Math.Min(x0, x); x1 = Math.Max(x1, x + 1);
                    y0 = Math.Min(y0, y); y1 = Math.Max(y1, y + 1);
                    for (int dy = -1; dy <= 1; dy++)
                    {
                        int yy = y + dy;
                        if (yy < 0 || yy >= h) continue;
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            int xx = x + dx;
                            if (xx < 0 || xx >= w) continue;
                            int q = yy * w + xx;
                            if (labels[q] != 0 || !IsInk(gray[q])) continue;
                            labels[q] = next;
                            stack[top++] = q;
                        }
                    }
                }
                if (n >= 4) blobs.Add(new Blob(x0, y0, x1, y1, next));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(stack);
        }
        return blobs;

        bool IsInk(byte g) => dark ? g <= t : g > t;
    }
}

/// <summary>A quad rectified to grey levels, with its Otsu threshold and a label buffer for its components; rented.</summary>
internal sealed class InkPatch : IDisposable
{
    private byte[]? _gray;
    private int[]? _labels;

    private InkPatch(int width, int height)
    {
        Width = width;
        Height = height;
        _gray = ArrayPool<byte>.Shared.Rent(width * height);
        _labels = ArrayPool<int>.Shared.Rent(width * height);
    }

    public int Width { get; }
    public int Height { get; }
    public byte Threshold { get; private set; }

    public Span<byte> Gray => (_gray ?? throw new ObjectDisposedException(nameof(InkPatch))).AsSpan(0, Width * Height);

    public Span<int> Labels => (_labels ?? throw new ObjectDisposedException(nameof(InkPatch))).AsSpan(0, Width * Height);

    /// <summary>Rectifies <paramref name="quad"/> of the image to <paramref name="width"/> x <paramref name="height"/> grey pixels.</summary>
    public static InkPatch Of(RasterImage image, Quad quad, int width, int height)
    {
        var p = new InkPatch(width, height);
        using (var patch = Warp.QuadToImage(image, quad, width, height)) Ink.ToGray(patch, p.Gray);
        p.Threshold = Ink.Otsu(p.Gray);
        return p;
    }

    /// <summary>The components of the dark or the light ink; <see cref="Labels"/> holds their labels until the next call.</summary>
    public List<Blob> Components(bool dark) => Ink.Components(Gray, Labels, Width, Height, Threshold, dark);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _gray, null) is { } g) ArrayPool<byte>.Shared.Return(g);
        if (Interlocked.Exchange(ref _labels, null) is { } l) ArrayPool<int>.Shared.Return(l);
    }
}
