using System.Diagnostics;

namespace Platewatch.Recognition.Evaluation;

public sealed record BenchRow(string Name, int IntraOpThreads, int Workers, int Images, double ImagesPerSecond, double MedianMs, double P95Ms, double CpuMsPerImage, double MeanPlatesPerImage);

public sealed record BenchReport(string Machine, int Width, int Height, IReadOnlyList<BenchRow> Rows);

/// <summary>Recognition throughput over decoded frames: the cost per frame an edge agent pays.</summary>
public static class RecognitionBench
{
    public static BenchReport Run(IReadOnlyList<ImagePixels> frames, string? modelsDirectory, int rounds, Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0) throw new ArgumentException("No frames to benchmark.", nameof(frames));
        var configs = new (string Name, int Intra, int Workers)[]
        {
            ("1 thread", 1, 1),
            ("2 threads, one frame at a time", 2, 1),
            ("2 threads, two frames at a time", 1, 2),
        };
        var rows = new List<BenchRow>();
        foreach (var (name, intra, workers) in configs)
        {
            log?.Invoke(name);
            using var rec = PlateRecognizer.Create(new RecognizerOptions { ModelsDirectory = modelsDirectory, IntraOpThreads = intra });
            for (int i = 0; i < Math.Min(3, frames.Count); i++) rec.Recognize(frames[i], cancellationToken: ct);

            int total = frames.Count * Math.Max(1, rounds);
            var times = new double[total];
            long plates = 0;
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            long t0 = Stopwatch.GetTimestamp();
            Parallel.For(0, total, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = ct }, k =>
            {
                long s = Stopwatch.GetTimestamp();
                var r = rec.Recognize(frames[k % frames.Count], cancellationToken: ct);
                times[k] = Stopwatch.GetElapsedTime(s).TotalMilliseconds;
                Interlocked.Add(ref plates, r.Plates.Length);
            });
            double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / total;
            var list = times.ToList();
            rows.Add(new BenchRow(name, intra, workers, total, total / wall, Evaluator.Percentile(list, 0.5), Evaluator.Percentile(list, 0.95), cpuMs, (double)plates / total));
        }
        string machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}";
        return new BenchReport(machine, frames[0].Width, frames[0].Height, rows);
    }
}
