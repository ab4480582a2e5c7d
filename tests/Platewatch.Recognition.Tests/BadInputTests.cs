using System.Buffers.Binary;

namespace Platewatch.Recognition.Tests;

public sealed class BadInputTests(RecognizerFixture fx)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Golden(string file) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", file));

    [Fact]
    public void Zero_byte_file_is_a_clear_error()
    {
        var ex = Assert.Throws<InvalidImageException>(() => fx.Recognizer.Recognize(ReadOnlySpan<byte>.Empty, cancellationToken: Ct));
        Assert.Contains("empty", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Non_image_file_is_a_clear_error()
    {
        byte[] text = "image x y w h PLATE\nthis is not an image"u8.ToArray();
        var ex = Assert.Throws<InvalidImageException>(() => fx.Recognizer.Recognize(text, cancellationToken: Ct));
        Assert.Contains("not a JPEG, PNG or WebP", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_jpeg_gives_a_result_or_a_clear_error()
    {
        byte[] jpeg = Golden("us-jpeg.jpg");
        foreach (int keep in new[] { 3, 20, 200, jpeg.Length / 2 })
        {
            var cut = jpeg.AsSpan(0, keep).ToArray();
            try
            {
                var r = fx.Recognizer.Recognize(cut, cancellationToken: Ct);
                Assert.True(r.ImageWidth > 0);
            }
            catch (InvalidImageException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            }
        }
    }

    [Fact]
    public void Corrupt_jpeg_gives_a_result_or_a_clear_error()
    {
        byte[] jpeg = Golden("us-jpeg.jpg");
        var rng = new Random(7);
        for (int round = 0; round < 5; round++)
        {
            byte[] bad = (byte[])jpeg.Clone();
            for (int i = 0; i < 200; i++) bad[rng.Next(4, bad.Length)] = (byte)rng.Next(256);
            try
            {
                _ = fx.Recognizer.Recognize(bad, cancellationToken: Ct);
            }
            catch (InvalidImageException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            }
        }
    }

    [Fact]
    public void Decompression_bomb_is_refused_before_decoding()
    {
        byte[] bomb = PngHeaderOnly(50_000, 50_000);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var ex = Assert.Throws<InvalidImageException>(() => fx.Recognizer.Recognize(bomb, cancellationToken: Ct));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Contains("50000x50000", ex.Message, StringComparison.Ordinal);
        // The 10 GB of pixels the header claims must never be asked for.
        Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void One_pixel_image_is_a_clear_error()
    {
        byte[] png = Platewatch.Rendering.PlateRenderer.Encode(new SkiaSharp.SKBitmap(1, 1), 0);
        var ex = Assert.Throws<InvalidImageException>(() => fx.Recognizer.Recognize(png, cancellationToken: Ct));
        Assert.Contains("1x1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pixel_buffer_too_small_is_a_clear_error()
    {
        var px = new ImagePixels(new byte[100], 640, 480, PixelFormat.Bgr24);
        Assert.Throws<InvalidImageException>(() => fx.Recognizer.Recognize(px, cancellationToken: Ct));
    }

    [Fact]
    public void Batch_reports_bad_images_without_failing()
    {
        var results = fx.Recognizer.RecognizeBatch([Golden("br-grey.png"), Array.Empty<byte>(), "nope"u8.ToArray()], new RecognitionHints { ExpectedRegions = ["br"] }, TestContext.Current.CancellationToken);
        Assert.Equal("AYO9034", results[0].Plates[0].Text);
        Assert.NotNull(results[1].Error);
        Assert.NotNull(results[2].Error);
    }

    [Fact]
    public void Missing_models_name_the_fix()
    {
        string empty = Directory.CreateTempSubdirectory().FullName;
        var ex = Assert.Throws<ModelNotFoundException>(() => PlateRecognizer.Create(new RecognizerOptions { ModelsDirectory = empty }));
        Assert.Contains("scripts/fetch-models.sh", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A PNG whose header claims a huge size, followed by a few kilobytes of compressed data.</summary>
    private static byte[] PngHeaderOnly(int width, int height)
    {
        var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> ihdr = stackalloc byte[17];
        "IHDR"u8.CopyTo(ihdr);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[8..], height);
        ihdr[12] = 8; // bit depth
        ihdr[13] = 2; // RGB
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, 13);
        ms.Write(len);
        ms.Write(ihdr);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(ihdr));
        ms.Write(crc);
        // A little real image data, as a bomb carries: the first rows of zeros, deflated.
        var z = new MemoryStream();
        using (var zs = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            zs.Write(new byte[1 << 16]);
        byte[] idat = [.. "IDAT"u8, .. z.ToArray()];
        BinaryPrimitives.WriteInt32BigEndian(len, idat.Length - 4);
        ms.Write(len);
        ms.Write(idat);
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(idat));
        ms.Write(crc);
        return ms.ToArray();
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
