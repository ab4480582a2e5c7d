namespace Platewatch.Recognition.Tests;

public sealed class ConcurrencyTests(RecognizerFixture fx)
{
    [Fact]
    public async Task One_recognizer_gives_the_same_reads_from_many_threads()
    {
        byte[][] images = GoldenPlates.All.Take(6).Select(g => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", g.File))).ToArray();
        var hints = new RecognitionHints { ExpectedRegions = ["us", "eu", "br"] };
        string[] expected = images.Select(i => fx.Recognizer.Recognize(i, hints).Plates.FirstOrDefault()?.Text ?? "").ToArray();
        var tasks = Enumerable.Range(0, 12).Select(k => fx.Recognizer.RecognizeAsync(images[k % images.Length], hints, TestContext.Current.CancellationToken)).ToArray();
        var results = await Task.WhenAll(tasks);
        for (int k = 0; k < results.Length; k++)
            Assert.Equal(expected[k % images.Length], results[k].Plates.FirstOrDefault()?.Text ?? "");
    }

    [Fact]
    public void Decoded_pixels_read_like_the_encoded_image()
    {
        using var bmp = SkiaSharp.SKBitmap.Decode(Path.Combine(AppContext.BaseDirectory, "Golden", "us-clean.png"));
        using var bgra = bmp.Copy(SkiaSharp.SKColorType.Bgra8888);
        var px = new ImagePixels(bgra.GetPixelSpan().ToArray(), bgra.Width, bgra.Height, PixelFormat.Bgra32, bgra.RowBytes);
        var r = fx.Recognizer.Recognize(px, new RecognitionHints { ExpectedRegions = ["us"] }, TestContext.Current.CancellationToken);
        Assert.Equal("7ABC123", r.Plates[0].Text);
    }

    [Fact]
    public void Region_of_interest_limits_the_search()
    {
        byte[] img = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", "us-clean.png"));
        var r = fx.Recognizer.Recognize(img, new RecognitionHints { RegionOfInterest = new PixelRect(0, 0, 12, 12) }, TestContext.Current.CancellationToken);
        Assert.Empty(r.Plates);
    }
}
