using System.Diagnostics;
using Platewatch.Recognition.Imaging;
using Platewatch.Recognition.Plates;

namespace Platewatch.Recognition.Evaluation;

public sealed record Misread(string Image, string Expected, string Got, IReadOnlyList<string> Candidates, string Note);

/// <summary>Time per image for one image size: a target such as "per 1280x720 image" reads its own row.</summary>
public sealed record SizeTiming(int Width, int Height, int Images, double MedianMs, double P95Ms);

public sealed record EndToEndReport(
    string Set,
    int Images,
    double DetectionRate,
    double Top1,
    double TopN,
    int TopNSize,
    double FalsePlatesPerImage,
    double MedianMs,
    double P95Ms,
    double MeanCpuMs,
    IReadOnlyList<Misread> Misreads,
    IReadOnlyList<SizeTiming> BySize,
    double Top1ZeroAsO);

public sealed record CropReport(
    string Set,
    int Images,
    double Top1,
    double TopN,
    int TopNSize,
    double StateAccuracy,
    double MedianMs,
    double P95Ms,
    double MeanCpuMs,
    IReadOnlyList<Misread> Misreads,
    IReadOnlyList<Misread> StateMisses,
    double Top1ZeroAsO);

/// <summary>
/// Scores a recognizer on the benchmark sets. Images are read one at a time so that the times are per image.
/// Top-1 is exact. <c>Top1ZeroAsO</c> also counts a read that differs from the label only by O against 0: many US
/// plate fonts draw the two alike, labels write either, and matching against hotlists treats them as one character.
/// </summary>
public static class Evaluator
{
    public static EndToEndReport RunEndToEnd(IPlateRecognizer recognizer, string name, IReadOnlyList<EndToEndSample> samples, RecognitionHints hints, Action<int>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(samples);
        int detected = 0, top1 = 0, topN = 0, falsePlates = 0, top1O = 0;
        var times = new List<double>(samples.Count);
        var sizes = new List<(int W, int H)>(samples.Count);
        var misreads = new List<Misread>();
        var cpu0 = CpuTime();
        for (int i = 0; i < samples.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var s = samples[i];
            var r = TimedRecognize(recognizer, s.ImagePath, hints, times, ct);
            sizes.Add((r.ImageWidth, r.ImageHeight));
            var label = Quad.FromRect(s.Box.X, s.Box.Y, s.Box.Right, s.Box.Bottom);
            var overlapping = r.Plates.Where(p => Overlaps(p, label)).ToList();
            if (overlapping.Count > 0) detected++;
            bool ok1 = r.Plates.Any(p => p.Text == s.Plate);
            bool okN = r.Plates.Any(p => p.Candidates.Any(c => c.Text == s.Plate));
            if (ok1) top1++;
            if (okN || ok1) topN++;
            if (r.Plates.Any(p => ZeroAsO(p.Text) == ZeroAsO(s.Plate))) top1O++;
            falsePlates += r.Plates.Count(p => !Overlaps(p, label) && p.Text != s.Plate);
            if (!ok1)
            {
                var best = overlapping.FirstOrDefault() ?? r.Plates.FirstOrDefault();
                misreads.Add(new Misread(s.ImagePath, s.Plate, best?.Text ?? "",
                    best?.Candidates.Select(c => c.Text).Take(5).ToList() ?? [],
                    best is null ? "no plate" : overlapping.Count == 0 ? "wrong place" : okN ? "in top-N" : "misread"));
            }
            progress?.Invoke(i + 1);
        }
        int n = samples.Count;
        return new EndToEndReport(name, n, Ratio(detected, n), Ratio(top1, n), Ratio(topN, n), hints.TopN, (double)falsePlates / Math.Max(1, n),
            Percentile(times, 0.5), Percentile(times, 0.95), (CpuTime() - cpu0).TotalMilliseconds / Math.Max(1, n), misreads, BySize(sizes, times),
            Ratio(top1O, n));
    }

    /// <summary>Median and p95 per image size, most common size first.</summary>
    private static List<SizeTiming> BySize(List<(int W, int H)> sizes, List<double> times) =>
        [.. sizes.Select((size, i) => (size, ms: times[i]))
            .GroupBy(x => x.size)
            .Select(g => new SizeTiming(g.Key.W, g.Key.H, g.Count(), Percentile([.. g.Select(x => x.ms)], 0.5), Percentile([.. g.Select(x => x.ms)], 0.95)))
            .OrderByDescending(t => t.Images).ThenBy(t => t.Width).ThenBy(t => t.Height)];

    /// <summary>Recognizes one file, adding the recognizer's time (file read excluded) to <paramref name="times"/>.</summary>
    private static RecognitionResult TimedRecognize(IPlateRecognizer recognizer, string path, RecognitionHints hints, List<double> times, CancellationToken ct)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long t0 = Stopwatch.GetTimestamp();
        var r = recognizer.Recognize(bytes, hints, ct);
        times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        return r;
    }

    public static CropReport RunCrops(IPlateRecognizer recognizer, string name, IReadOnlyList<CropSample> samples, RecognitionHints hints, Action<int>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(samples);
        int top1 = 0, topN = 0, state = 0, top1O = 0;
        var times = new List<double>(samples.Count);
        var misreads = new List<Misread>();
        var stateMisses = new List<Misread>();
        var cpu0 = CpuTime();
        for (int i = 0; i < samples.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var s = samples[i];
            var r = TimedRecognize(recognizer, s.ImagePath, hints, times, ct);
            var best = r.Plates.FirstOrDefault();
            bool ok1 = best?.Text == s.Plate;
            bool okN = best is not null && best.Candidates.Any(c => c.Text == s.Plate);
            if (ok1) top1++;
            if (ok1 || okN) topN++;
            if (best is not null && ZeroAsO(best.Text) == ZeroAsO(s.Plate)) top1O++;
            string region = best?.Region ?? "";
            bool stateOk = region == "us-" + s.State || region == s.State;
            if (stateOk) state++;
            else stateMisses.Add(new Misread(s.ImagePath, s.State, region, [], best is null ? "no plate" : "wrong state"));
            if (!ok1)
                misreads.Add(new Misread(s.ImagePath, s.Plate, best?.Text ?? "", best?.Candidates.Select(c => c.Text).Take(5).ToList() ?? [],
                    best is null ? "no plate" : okN ? "in top-N" : "misread"));
            progress?.Invoke(i + 1);
        }
        int n = samples.Count;
        return new CropReport(name, n, Ratio(top1, n), Ratio(topN, n), hints.TopN, Ratio(state, n), Percentile(times, 0.5), Percentile(times, 0.95), (CpuTime() - cpu0).TotalMilliseconds / Math.Max(1, n), misreads, stateMisses,
            Ratio(top1O, n));
    }

    private static bool Overlaps(PlateResult p, Quad label)
    {
        if (p.Corners.Length != 4) return false;
        var q = new Quad(p.Corners[0], p.Corners[1], p.Corners[2], p.Corners[3]);
        return PlateGeometry.Containment(q, label) >= 0.3f;
    }

    /// <summary>
    /// CPU time of the whole process. On a shared machine wall time measures the neighbours too; CPU time per image
    /// (all threads summed, reading the file included) is the cost the recognizer itself asks for.
    /// </summary>
    private static TimeSpan CpuTime() => Process.GetCurrentProcess().TotalProcessorTime;

    private static string ZeroAsO(string plate) => plate.Replace('O', '0');

    private static double Ratio(int a, int n) => n == 0 ? 0 : (double)a / n;

    public static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToList();
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
