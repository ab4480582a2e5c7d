namespace Platewatch.Recognition;

/// <summary>How a <see cref="PlateRecognizer"/> is built.</summary>
public sealed record RecognizerOptions
{
    /// <summary>The directory scripts/fetch-models.sh filled. Null: $PLATEWATCH_MODELS, else the nearest <c>models/</c> above the working directory.</summary>
    public string? ModelsDirectory { get; init; }

    /// <summary>
    /// Rewrite the models' chains of element-wise nodes into fewer nodes and into the convolutions' weights as they load:
    /// the same results to float rounding, about a fifth less time per frame. Off only to compare against the stock graphs.
    /// </summary>
    public bool SimplifyModels { get; init; } = true;

    /// <summary>Threads ONNX Runtime uses inside one inference.</summary>
    public int IntraOpThreads { get; init; } = Math.Min(2, Environment.ProcessorCount);

    /// <summary>Images read at once by <see cref="IPlateRecognizer.RecognizeBatch"/>.</summary>
    public int BatchParallelism { get; init; } = 1;

    /// <summary>The detector sees the image with its long side scaled to this many pixels.</summary>
    public int DetectionLongSide { get; init; } = 480;

    /// <summary>Re-detect small text regions at full resolution: distant plates.</summary>
    public bool HighResolutionPass { get; init; } = true;

    /// <summary>Larger images are refused before their pixels are decoded.</summary>
    public long MaxPixels { get; init; } = 50_000_000;

    /// <summary>Most text lines recognized per image; the most plate-like are kept.</summary>
    public int MaxLines { get; init; } = 24;

    /// <summary>
    /// Narrowest recognizer input. The model was trained on 320-wide lines, but a plate is about four times as wide as
    /// tall, so most of a 320-wide tensor would be padding that costs time.
    /// </summary>
    public int RecognizerMinWidth { get; init; } = 48;
}
