namespace Platewatch.Recognition;

/// <summary>
/// Reads licence plates from one image. Implementations are safe to share across threads: one instance
/// holds the loaded models, and every call keeps its own working state.
/// </summary>
public interface IPlateRecognizer : IDisposable
{
    /// <summary>Reads an encoded JPEG, PNG or WebP image.</summary>
    /// <exception cref="InvalidImageException">The bytes are empty, corrupt, not an image, or too large to decode safely.</exception>
    RecognitionResult Recognize(ReadOnlySpan<byte> encodedImage, RecognitionHints? hints = null, CancellationToken cancellationToken = default);

    /// <summary>Reads already decoded pixels, for example a video frame.</summary>
    RecognitionResult Recognize(ImagePixels pixels, RecognitionHints? hints = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads many encoded images, spreading them over <see cref="RecognizerOptions.BatchParallelism"/> workers. Results come
    /// back in input order; an image that cannot be decoded gives a result with <see cref="RecognitionResult.Error"/> set
    /// rather than failing the batch.
    /// </summary>
    IReadOnlyList<RecognitionResult> RecognizeBatch(IReadOnlyList<ReadOnlyMemory<byte>> encodedImages, RecognitionHints? hints = null, CancellationToken cancellationToken = default);

    /// <summary>Asynchronous form of <see cref="Recognize(ReadOnlySpan{byte}, RecognitionHints?, CancellationToken)"/>; the work runs on the thread pool.</summary>
    Task<RecognitionResult> RecognizeAsync(ReadOnlyMemory<byte> encodedImage, RecognitionHints? hints = null, CancellationToken cancellationToken = default);
}

/// <summary>The layout of decoded pixels handed to <see cref="IPlateRecognizer.Recognize(ImagePixels, RecognitionHints?, CancellationToken)"/>.</summary>
public enum PixelFormat
{
    Bgra32,
    Rgba32,
    Bgr24,
    Rgb24,
    Gray8,
}

/// <summary>Decoded pixels. <paramref name="Stride"/> is the number of bytes per row (0 means tightly packed).</summary>
public readonly record struct ImagePixels(ReadOnlyMemory<byte> Data, int Width, int Height, PixelFormat Format, int Stride = 0)
{
    public int BytesPerPixel => Format switch
    {
        PixelFormat.Bgra32 or PixelFormat.Rgba32 => 4,
        PixelFormat.Bgr24 or PixelFormat.Rgb24 => 3,
        _ => 1,
    };

    public int RowBytes => Stride == 0 ? Width * BytesPerPixel : Stride;
}

/// <summary>A rectangle in image pixels.</summary>
public readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;
}

/// <summary>Optional knowledge about an image that narrows the search.</summary>
public sealed record RecognitionHints
{
    /// <summary>
    /// Region codes the plates are expected from: countries (<c>us</c>, <c>br</c>, <c>de</c>), groups (<c>eu</c>) or US
    /// states (<c>us-ca</c>). Plate formats of these regions rank first; others are still read.
    /// </summary>
    public IReadOnlyList<string> ExpectedRegions { get; init; } = [];

    /// <summary>Where to look; the rest of the image is ignored. Null reads the whole image.</summary>
    public PixelRect? RegionOfInterest { get; init; }

    /// <summary>How many candidates to return per plate.</summary>
    public int TopN { get; init; } = 10;
}
