using System.Runtime.InteropServices;
using SkiaSharp;

namespace Platewatch.Recognition.Imaging;

/// <summary>
/// Turns untrusted bytes or caller pixels into a <see cref="RasterImage"/>. The header is read before any
/// pixel memory is allocated, so a file that claims a huge size is refused at the cost of its header.
/// </summary>
internal static class ImageDecoder
{
    public const int MinSide = 8;

    public static RasterImage Decode(ReadOnlySpan<byte> bytes, long maxPixels)
    {
        if (bytes.IsEmpty) throw new InvalidImageException("The image is empty (0 bytes).");
        if (!LooksLikeImage(bytes))
            throw new InvalidImageException("The data is not a JPEG, PNG or WebP image.");

        using var data = SKData.CreateCopy(bytes);
        // The codec takes ownership of the stream and releases it with itself.
        using var codec = SKCodec.Create(new SKMemoryStream(data), out SKCodecResult createResult);
        if (codec is null)
            throw new InvalidImageException($"The image cannot be decoded: {Describe(createResult)}.");

        var info = codec.Info;
        CheckSize(info.Width, info.Height, maxPixels);

        var image = new RasterImage(info.Width, info.Height);
        try
        {
            var target = new SKImageInfo(info.Width, info.Height, SKColorType.Bgra8888, SKAlphaType.Unpremul);
            SKCodecResult r;
            unsafe
            {
                fixed (byte* p = image.Buffer)
                    r = codec.GetPixels(target, (IntPtr)p);
            }
            // A truncated JPEG decodes its top part and fills the rest; that is still worth reading, as browsers do.
            if (r is not (SKCodecResult.Success or SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput))
                throw new InvalidImageException($"The image cannot be decoded: {Describe(r)}.");
            if (r != SKCodecResult.Success && !HasContent(image))
                throw new InvalidImageException("The image is truncated or corrupt: no pixel data could be decoded.");
            // JPEG and other opaque encodings decode with alpha 255 everywhere: nothing to compose.
            if (info.AlphaType != SKAlphaType.Opaque) FlattenAlpha(image);
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    public static RasterImage FromPixels(ImagePixels px, long maxPixels)
    {
        CheckSize(px.Width, px.Height, maxPixels);
        int bpp = px.BytesPerPixel;
        int rowBytes = px.RowBytes;
        if (rowBytes < px.Width * bpp)
            throw new InvalidImageException($"The stride {rowBytes} is smaller than a row of {px.Width} pixels.");
        long needed = (long)rowBytes * (px.Height - 1) + (long)px.Width * bpp;
        if (px.Data.Length < needed)
            throw new InvalidImageException($"The pixel buffer holds {px.Data.Length} bytes; {px.Width}x{px.Height} {px.Format} needs {needed}.");

        var image = new RasterImage(px.Width, px.Height);
        var src = px.Data.Span;
        var dst = image.Pixels;
        for (int y = 0; y < px.Height; y++)
        {
            var s = src.Slice(y * rowBytes, px.Width * bpp);
            var d = dst.Slice(y * image.Stride, image.Stride);
            switch (px.Format)
            {
                case PixelFormat.Bgra32:
                    s.CopyTo(d);
                    for (int x = 3; x < d.Length; x += 4) d[x] = 255;
                    break;
                case PixelFormat.Rgba32:
                    for (int x = 0; x < px.Width; x++) { d[x * 4] = s[x * 4 + 2]; d[x * 4 + 1] = s[x * 4 + 1]; d[x * 4 + 2] = s[x * 4]; d[x * 4 + 3] = 255; }
                    break;
                case PixelFormat.Bgr24:
                    for (int x = 0; x < px.Width; x++) { d[x * 4] = s[x * 3]; d[x * 4 + 1] = s[x * 3 + 1]; d[x * 4 + 2] = s[x * 3 + 2]; d[x * 4 + 3] = 255; }
                    break;
                case PixelFormat.Rgb24:
                    for (int x = 0; x < px.Width; x++) { d[x * 4] = s[x * 3 + 2]; d[x * 4 + 1] = s[x * 3 + 1]; d[x * 4 + 2] = s[x * 3]; d[x * 4 + 3] = 255; }
                    break;
                case PixelFormat.Gray8:
                    for (int x = 0; x < px.Width; x++) { byte g = s[x]; d[x * 4] = g; d[x * 4 + 1] = g; d[x * 4 + 2] = g; d[x * 4 + 3] = 255; }
                    break;
                default:
                    image.Dispose();
                    throw new InvalidImageException($"Unsupported pixel format {px.Format}.");
            }
        }
        return image;
    }

    private static void CheckSize(int width, int height, long maxPixels)
    {
        if (width <= 0 || height <= 0)
            throw new InvalidImageException($"The image has no pixels ({width}x{height}).");
        if (width < MinSide || height < MinSide)
            throw new InvalidImageException($"The image is {width}x{height} pixels; a plate needs at least {MinSide}x{MinSide}.");
        if ((long)width * height > maxPixels)
            throw new InvalidImageException(
                $"The image claims {width}x{height} pixels ({(long)width * height / 1_000_000} megapixels); the limit is {maxPixels / 1_000_000} megapixels.");
    }

    private static bool LooksLikeImage(ReadOnlySpan<byte> b) =>
        (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)                        // JPEG
        || (b.Length >= 8 && b[..8].SequenceEqual(PngSignature))                                  // PNG
        || (b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b.Slice(8, 4).SequenceEqual("WEBP"u8)) // WebP
        || (b.Length >= 6 && (b[..6].SequenceEqual("GIF87a"u8) || b[..6].SequenceEqual("GIF89a"u8)))
        || (b.Length >= 2 && b[0] == (byte)'B' && b[1] == (byte)'M');

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static bool HasContent(RasterImage image)
    {
        // The decoder zero-fills rows it never reached; an image with no non-zero pixel decoded nothing.
        var p = MemoryMarshal.Cast<byte, uint>(image.Pixels);
        foreach (uint v in p)
        {
            if ((v & 0x00FFFFFF) != 0) return true;
        }
        return false;
    }

    private static void FlattenAlpha(RasterImage image)
    {
        // Transparent PNG pixels are composed on white, as a viewer shows them.
        var p = image.Pixels;
        for (int i = 0; i < p.Length; i += 4)
        {
            int a = p[i + 3];
            if (a == 255) continue;
            int inv = 255 - a;
            p[i] = (byte)((p[i] * a + 255 * inv) / 255);
            p[i + 1] = (byte)((p[i + 1] * a + 255 * inv) / 255);
            p[i + 2] = (byte)((p[i + 2] * a + 255 * inv) / 255);
            p[i + 3] = 255;
        }
    }

    private static string Describe(SKCodecResult r) => r switch
    {
        SKCodecResult.IncompleteInput => "the file is truncated",
        SKCodecResult.ErrorInInput => "the file is corrupt",
        SKCodecResult.InvalidInput => "the file is not a supported image",
        SKCodecResult.Unimplemented => "the image uses an unsupported encoding",
        SKCodecResult.InternalError => "the decoder failed",
        _ => $"the decoder reported {r}",
    };
}
