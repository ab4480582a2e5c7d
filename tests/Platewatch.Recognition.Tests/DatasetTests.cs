using Platewatch.Recognition.Evaluation;

namespace Platewatch.Recognition.Tests;

/// <summary>
/// Accuracy floors on the shared benchmark sets (../shared/datasets, or $PLATEWATCH_DATASETS), skipped where the
/// sets are absent. Each floor sits a few points under the measured figure (docs/benchmarks.md) so that a
/// regression fails and noise does not.
/// </summary>
public sealed class DatasetTests(RecognizerFixture fx)
{
    private static string? Set(string name)
    {
        string? root = Datasets.FindShared();
        string? dir = root is null ? null : Path.Combine(root, name);
        return dir is not null && Directory.Exists(dir) ? dir : null;
    }

    [Fact]
    public void Brazilian_end_to_end_top1_stays_above_floor()
    {
        string? dir = Set("openalpr-br");
        Assert.SkipWhen(dir is null, "../shared/datasets/openalpr-br is absent");
        var samples = Datasets.LoadEndToEnd(dir!);
        var r = Evaluator.RunEndToEnd(fx.Recognizer, "openalpr-br", samples, new RecognitionHints { ExpectedRegions = ["br"] }, ct: TestContext.Current.CancellationToken);
        Assert.True(r.DetectionRate >= 0.97, $"detection {r.DetectionRate:P1}");
        Assert.True(r.Top1 >= 0.95, $"top-1 {r.Top1:P1}; misreads: {string.Join(", ", r.Misreads.Select(m => $"{m.Expected}->{m.Got}"))}");
        Assert.True(r.FalsePlatesPerImage <= 0.15, $"false plates/image {r.FalsePlatesPerImage:F3}");
        Assert.Equal(samples.Count, r.BySize.Sum(t => t.Images));
        Assert.Contains(r.BySize, t => t is { Width: 1280, Height: 720 });
    }

    [Fact]
    public void US_crops_ocr_and_state_stay_above_floor()
    {
        string? dir = Set("openalpr-us-crops");
        Assert.SkipWhen(dir is null, "../shared/datasets/openalpr-us-crops is absent");
        // Every third crop keeps the run short while covering every state.
        var samples = Datasets.LoadCrops(dir!).Where((_, i) => i % 3 == 0).ToList();
        var r = Evaluator.RunCrops(fx.Recognizer, "openalpr-us-crops", samples, new RecognitionHints { ExpectedRegions = ["us"] }, ct: TestContext.Current.CancellationToken);
        Assert.True(r.Top1 >= 0.93, $"OCR top-1 {r.Top1:P1}");
        Assert.InRange(r.Top1ZeroAsO, r.Top1, 1.0);
        Assert.True(r.StateAccuracy >= 0.90, $"state {r.StateAccuracy:P1}");
    }
}
