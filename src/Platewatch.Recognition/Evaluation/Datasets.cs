using System.Globalization;

namespace Platewatch.Recognition.Evaluation;

/// <summary>An image with its labelled plate box and text (OpenALPR benchmark layout: NAME.txt = <c>image x y w h PLATE</c>).</summary>
public sealed record EndToEndSample(string ImagePath, PixelRect Box, string Plate);

/// <summary>A plate crop with its state and text (<c>groundtruth.csv</c>: <c>file,state,plate</c>).</summary>
public sealed record CropSample(string ImagePath, string State, string Plate);

public static class Datasets
{
    public static bool IsCropSet(string dir) => File.Exists(Path.Combine(dir, "groundtruth.csv"));

    public static IReadOnlyList<EndToEndSample> LoadEndToEnd(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"No such directory: {dir}");
        var list = new List<EndToEndSample>();
        foreach (string txt in Directory.EnumerateFiles(dir, "*.txt").Order(StringComparer.Ordinal))
        {
            string line = File.ReadLines(txt).FirstOrDefault(l => l.Trim().Length > 0) ?? "";
            string[] f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6) continue;
            string image = Path.Combine(dir, f[0]);
            if (!File.Exists(image))
            {
                // Some labels name another extension than the file has.
                string? alt = Directory.EnumerateFiles(dir, Path.GetFileNameWithoutExtension(f[0]) + ".*")
                    .FirstOrDefault(p => !p.EndsWith(".txt", StringComparison.OrdinalIgnoreCase));
                if (alt is null) continue;
                image = alt;
            }
            var box = new PixelRect(Int(f[1]), Int(f[2]), Int(f[3]), Int(f[4]));
            list.Add(new EndToEndSample(image, box, NormalizePlate(string.Concat(f.Skip(5)))));
        }
        if (list.Count == 0) throw new InvalidOperationException($"{dir} holds no labelled images (NAME.txt with 'image x y w h PLATE').");
        return list;
    }

    public static IReadOnlyList<CropSample> LoadCrops(string dir)
    {
        string csv = Path.Combine(dir, "groundtruth.csv");
        var list = new List<CropSample>();
        foreach (string line in File.ReadLines(csv))
        {
            string[] f = line.Split(',');
            if (f.Length < 3 || f[0] == "file") continue;
            string image = Path.Combine(dir, f[0].Trim());
            if (!File.Exists(image)) continue;
            list.Add(new CropSample(image, f[1].Trim().ToLowerInvariant(), NormalizePlate(f[2])));
        }
        if (list.Count == 0) throw new InvalidOperationException($"{csv} lists no images that exist.");
        return list;
    }

    /// <summary>Upper case, spaces and dashes ignored, as the benchmark compares plates.</summary>
    public static string NormalizePlate(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var sb = new System.Text.StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (char.IsAsciiLetterOrDigit(c)) sb.Append(char.ToUpperInvariant(c));
        }
        return sb.ToString();
    }

    private static int Int(string s) => (int)double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>The shared datasets directory: $PLATEWATCH_DATASETS, else ../shared/datasets above the working directory.</summary>
    public static string? FindShared()
    {
        string? env = Environment.GetEnvironmentVariable("PLATEWATCH_DATASETS");
        if (!string.IsNullOrWhiteSpace(env)) return Directory.Exists(env) ? env : null;
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string c = Path.Combine(d.FullName, "shared", "datasets");
                if (Directory.Exists(c)) return c;
            }
        }
        return null;
    }
}
