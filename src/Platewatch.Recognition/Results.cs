using System.Collections.Immutable;

namespace Platewatch.Recognition;

/// <summary>A point in image pixels.</summary>
public readonly record struct PointF(float X, float Y);

/// <summary>Everything read from one image.</summary>
public sealed record RecognitionResult(
    int ImageWidth,
    int ImageHeight,
    ImmutableArray<PlateResult> Plates,
    StageTimings Timings,
    string? Error = null)
{
    public static RecognitionResult Failed(string error) => new(0, 0, [], StageTimings.Zero, error);
}

/// <summary>One plate.</summary>
/// <param name="Text">The best reading, upper case letters and digits only.</param>
/// <param name="Confidence">0 to 1.</param>
/// <param name="Region">Region code such as <c>us-ca</c>, <c>br</c> or <c>de</c>; empty when unknown.</param>
/// <param name="RegionConfidence">0 to 1.</param>
/// <param name="MatchesFormat">Whether <paramref name="Text"/> fits a known plate format.</param>
/// <param name="Candidates">Alternative readings, best first; the first is <paramref name="Text"/>.</param>
/// <param name="CharacterConfidences">One per character of <paramref name="Text"/>, 0 to 1.</param>
/// <param name="Corners">Top-left, top-right, bottom-right, bottom-left, in image pixels.</param>
/// <param name="Lines">Number of text lines the plate number spans (2 for stacked plates).</param>
public sealed record PlateResult(
    string Text,
    double Confidence,
    string Region,
    double RegionConfidence,
    bool MatchesFormat,
    ImmutableArray<PlateCandidate> Candidates,
    ImmutableArray<double> CharacterConfidences,
    ImmutableArray<PointF> Corners,
    int Lines = 1);

/// <summary>One reading of a plate.</summary>
public sealed record PlateCandidate(string Text, double Confidence, bool MatchesFormat);

/// <summary>Milliseconds spent in each stage.</summary>
public sealed record StageTimings(double DecodeMs, double DetectMs, double RecognizeMs, double PostprocessMs, double TotalMs)
{
    public static StageTimings Zero { get; } = new(0, 0, 0, 0, 0);
}

/// <summary>Thrown for input that is not a usable image. The message says what is wrong, in one line.</summary>
public sealed class InvalidImageException : FormatException
{
    public InvalidImageException(string message) : base(message) { }
    public InvalidImageException(string message, Exception inner) : base(message, inner) { }
    public InvalidImageException() { }
}

/// <summary>Thrown when the model files are missing or do not match the metadata; the message names the fix.</summary>
public sealed class ModelNotFoundException : FileNotFoundException
{
    public ModelNotFoundException(string message) : base(message) { }
    public ModelNotFoundException(string message, Exception inner) : base(message, inner) { }
    public ModelNotFoundException() { }
}
