using System.Buffers.Binary;

namespace Platewatch.Server.Images;

internal enum ImageFormat
{
    Jpeg,
    Png,
    WebP,
}

internal readonly record struct ImageInfo(ImageFormat Format, int Width, int Height)
{
    public string ContentType => Format switch
    {
        ImageFormat.Jpeg => "image/jpeg",
        ImageFormat.Png => "image/png",
        _ => "image/webp",
    };
}

/// <summary>
/// Reads an image's format and size from its header alone, so the pixel cap is enforced before anything is
/// decoded or stored: a 100-byte file that claims 60000x60000 pixels is refused, not inflated.
/// </summary>
internal static class ImageProbe
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool TryProbe(ReadOnlySpan<byte> b, out ImageInfo info, out string error)
    {
        info = default;
        error = "";
        if (b.Length >= 24 && b[..8].SequenceEqual(PngSignature))
        {
            if (!b.Slice(12, 4).SequenceEqual("IHDR"u8)) return Fail("a PNG without its IHDR header", out error);
            return Sized(ImageFormat.Png, BinaryPrimitives.ReadInt32BigEndian(b[16..]), BinaryPrimitives.ReadInt32BigEndian(b[20..]), out info, out error);
        }
        if (b.Length >= 30 && b[..4].SequenceEqual("RIFF"u8) && b.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            var chunk = b.Slice(12, 4);
            if (chunk.SequenceEqual("VP8X"u8))
                return Sized(ImageFormat.WebP, 1 + (b[24] | b[25] << 8 | b[26] << 16), 1 + (b[27] | b[28] << 8 | b[29] << 16), out info, out error);
            if (chunk.SequenceEqual("VP8L"u8) && b[20] == 0x2f)
            {
                uint bits = BinaryPrimitives.ReadUInt32LittleEndian(b[21..]);
                return Sized(ImageFormat.WebP, (int)(bits & 0x3fff) + 1, (int)((bits >> 14) & 0x3fff) + 1, out info, out error);
            }
            if (chunk.SequenceEqual("VP8 "u8) && b[23] == 0x9d && b[24] == 0x01 && b[25] == 0x2a)
                return Sized(ImageFormat.WebP, BinaryPrimitives.ReadUInt16LittleEndian(b[26..]) & 0x3fff, BinaryPrimitives.ReadUInt16LittleEndian(b[28..]) & 0x3fff, out info, out error);
            return Fail("a WebP file with an unknown first chunk", out error);
        }
        if (b.Length >= 4 && b[0] == 0xFF && b[1] == 0xD8)
        {
            int i = 2;
            while (i + 9 < b.Length)
            {
                if (b[i] != 0xFF) return Fail("a JPEG whose markers are corrupt", out error);
                byte marker = b[i + 1];
                if (marker == 0xFF) { i++; continue; }
                // SOF0-SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
                if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
                    return Sized(ImageFormat.Jpeg, BinaryPrimitives.ReadUInt16BigEndian(b[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(b[(i + 5)..]), out info, out error);
                if (marker is 0xD9 or 0xDA) break;
                int length = BinaryPrimitives.ReadUInt16BigEndian(b[(i + 2)..]);
                if (length < 2) return Fail("a JPEG whose markers are corrupt", out error);
                i += 2 + length;
            }
            return Fail("a JPEG without a frame header (truncated?)", out error);
        }
        return Fail("not a JPEG, PNG or WebP image", out error);
    }

    private static bool Sized(ImageFormat format, int width, int height, out ImageInfo info, out string error)
    {
        info = new ImageInfo(format, width, height);
        error = "";
        if (width > 0 && height > 0) return true;
        error = $"an image that claims {width}x{height} pixels";
        return false;
    }

    private static bool Fail(string why, out string error)
    {
        error = why;
        return false;
    }
}
