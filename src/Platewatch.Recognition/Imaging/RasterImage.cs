using System.Buffers;

namespace Platewatch.Recognition.Imaging;

/// <summary>
/// A BGRA image whose pixels live in a rented buffer. Every stage reads from this one copy, so a frame
/// costs one decode buffer however many plates it holds.
/// </summary>
internal sealed class RasterImage : IDisposable
{
    private byte[]? _buffer;

    public RasterImage(int width, int height)
    {
        Width = width;
        Height = height;
        _buffer = ArrayPool<byte>.Shared.Rent(checked(width * height * 4));
    }

    public int Width { get; }
    public int Height { get; }
    public int Stride => Width * 4;

    public byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(RasterImage));

    public Span<byte> Pixels => Buffer.AsSpan(0, Width * Height * 4);

    public void Dispose()
    {
        byte[]? b = Interlocked.Exchange(ref _buffer, null);
        if (b is not null) ArrayPool<byte>.Shared.Return(b);
    }

    /// <summary>Copies a rectangle out (clamped to the image) as a new image.</summary>
    public RasterImage Crop(PixelRect r)
    {
        int x0 = Math.Clamp(r.X, 0, Width - 1), y0 = Math.Clamp(r.Y, 0, Height - 1);
        int x1 = Math.Clamp(r.Right, x0 + 1, Width), y1 = Math.Clamp(r.Bottom, y0 + 1, Height);
        var dst = new RasterImage(x1 - x0, y1 - y0);
        var src = Pixels;
        var d = dst.Pixels;
        for (int y = y0; y < y1; y++)
            src.Slice((y * Width + x0) * 4, dst.Width * 4).CopyTo(d.Slice((y - y0) * dst.Stride, dst.Stride));
        return dst;
    }
}
