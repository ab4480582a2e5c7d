using Platewatch.Plates;

namespace Platewatch.Simulation;

/// <summary>
/// Registration regions and their plate shapes. '@' is a letter, '#' a digit. Letters I, O and Q are left out,
/// as most issuers do, precisely because they read like 1 and 0; misreads can still produce them.
/// </summary>
internal static class PlateFormats
{
    private const string Letters = "ABCDEFGHJKLMNPRSTUVWXYZ";

    private static readonly Dictionary<string, string> s_formats = new(StringComparer.Ordinal)
    {
        ["US-WA"] = "@@@####",
        ["US-OR"] = "###@@@",
        ["US-CA"] = "#@@@###",
        ["US-ID"] = "#@#####",
        ["US-TX"] = "@@@####",
        ["US-AK"] = "@@@###",
        ["US-FL"] = "@@@@##",
        ["US-NY"] = "@@@####",
        ["US-MT"] = "#@####@",
        ["CA-BC"] = "@@###@",
    };

    /// <summary>Out-of-region shares seen in a Pacific Northwest city; the home region gets the rest.</summary>
    private static readonly (string Region, double Share)[] s_visitors =
    [
        ("US-OR", 0.040), ("US-CA", 0.030), ("US-ID", 0.020), ("CA-BC", 0.020), ("US-TX", 0.010),
        ("US-AK", 0.008), ("US-FL", 0.006), ("US-NY", 0.006), ("US-MT", 0.005),
    ];

    public static string FormatOf(string region) => s_formats.GetValueOrDefault(region, "@@@####");

    /// <summary>The region table: the home region first, then the out-of-region ones with their cumulative shares.</summary>
    public static (string[] Regions, double[] Cumulative) RegionTable(string homeRegion)
    {
        var regions = new List<string> { homeRegion };
        var cumulative = new List<double>();
        double others = 0;
        foreach (var (region, share) in s_visitors)
        {
            if (region == homeRegion) continue;
            regions.Add(region);
            others += share;
        }
        double acc = 1 - others;
        cumulative.Add(acc);
        foreach (var (region, share) in s_visitors)
        {
            if (region == homeRegion) continue;
            acc += share;
            cumulative.Add(acc);
        }
        cumulative[^1] = 1;
        return ([.. regions], [.. cumulative]);
    }

    public static string Generate(string format, ref Rng rng) =>
        string.Create(format.Length, (format, rng.NextULong(), rng.NextULong()), static (dst, s) =>
        {
            var r = new Rng(s.Item2 ^ Rng.Mix(s.Item3));
            for (int i = 0; i < dst.Length; i++)
                dst[i] = s.format[i] == '@' ? Letters[r.Next(Letters.Length)] : (char)('0' + r.Next(10));
        });
}

/// <summary>Look-alike substitutions from <see cref="PlateText.ConfusableClasses"/>, as a recognizer makes them.</summary>
internal static class Confusables
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static readonly string?[] s_classOf = Build();

    private static string?[] Build()
    {
        var map = new string?[128];
        foreach (string cls in PlateText.ConfusableClasses)
        {
            foreach (char c in cls) map[c] = cls;
        }
        return map;
    }

    /// <summary>
    /// The plate with <paramref name="edits"/> characters swapped for look-alikes. A plate with no confusable
    /// character gets an arbitrary substitution instead, so the misread rate holds for every plate.
    /// </summary>
    public static string Misread(string plate, int edits, ref Rng rng)
    {
        Span<char> buf = stackalloc char[plate.Length];
        plate.AsSpan().CopyTo(buf);
        Span<int> positions = stackalloc int[plate.Length];
        int count = 0;
        for (int i = 0; i < buf.Length; i++)
        {
            if (buf[i] < 128 && s_classOf[buf[i]] is not null) positions[count++] = i;
        }
        for (int e = 0; e < edits; e++)
        {
            if (count == 0)
            {
                int at = rng.Next(buf.Length);
                char c = buf[at];
                while (c == buf[at]) c = Alphabet[rng.Next(Alphabet.Length)];
                buf[at] = c;
                continue;
            }
            int pick = rng.Next(count);
            int pos = positions[pick];
            string cls = s_classOf[buf[pos]]!;
            int self = cls.IndexOf(buf[pos], StringComparison.Ordinal);
            buf[pos] = cls[(self + 1 + rng.Next(cls.Length - 1)) % cls.Length];
            positions[pick] = positions[--count];
        }
        return new string(buf);
    }
}
