using BenchmarkDotNet.Attributes;
using Platewatch.Plates;

namespace Platewatch.Benchmarks;

/// <summary>
/// The misread-tolerant comparison runs for every hotlist check and every fuzzy search candidate, so it must
/// not allocate. Baseline: the textbook full-matrix Levenshtein on skeleton strings.
/// </summary>
[MemoryDiagnoser]
public class PlateTextBenchmarks
{
    private readonly string[] _plates = ["ABC1234", "A8C1234", "XYZ9876", "S0W350", "5OW750", "7ABC123", "ABC12"];

    [Benchmark(Baseline = true)]
    public int FullMatrixLevenshtein()
    {
        int sum = 0;
        foreach (string a in _plates)
            foreach (string b in _plates)
                sum += Levenshtein(PlateText.Skeleton(a), PlateText.Skeleton(b));
        return sum;
    }

    [Benchmark]
    public int BoundedSkeletonDistance()
    {
        int sum = 0;
        foreach (string a in _plates)
            foreach (string b in _plates)
                sum += PlateText.SkeletonDistance(a, b, 1);
        return sum;
    }

    [Benchmark]
    public int Normalize()
    {
        int sum = 0;
        Span<char> buf = stackalloc char[16];
        foreach (string a in _plates) sum += PlateText.Normalize(a, buf);
        return sum;
    }

    private static int Levenshtein(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
