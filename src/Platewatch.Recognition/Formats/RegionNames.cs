using System.Reflection;

namespace Platewatch.Recognition.Formats;

/// <summary>Words printed on plates that name their region (Formats/regions.names), matched with small misreads allowed.</summary>
internal sealed class RegionNames
{
    private readonly List<(string Region, string Phrase)> _phrases = [];

    private RegionNames(string text)
    {
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int sp = line.IndexOf(' ', StringComparison.Ordinal);
            if (sp < 0) continue;
            string region = line[..sp];
            foreach (string p in line[(sp + 1)..].Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                _phrases.Add((region, p.ToUpperInvariant()));
        }
    }

    public static RegionNames Default { get; } = Load();

    private static RegionNames Load()
    {
        var asm = Assembly.GetExecutingAssembly();
        using var s = asm.GetManifestResourceStream("Platewatch.Recognition.Formats.regions.names")!;
        using var r = new StreamReader(s);
        return new RegionNames(r.ReadToEnd());
    }

    /// <summary>
    /// The region a line of text names, with a 0-1 strength: exact phrases score 1, a phrase inside the line or within
    /// about one misread in five characters scores less. Short phrases must match exactly, as short words collide.
    /// </summary>
    public (string Region, double Strength)? Match(string lineText)
    {
        var match = MatchNormalized(Normalize(lineText));
        // A sans-serif capital I is the glyph of a small l, and the recognizer reads "IOWA" as "lowA": the line read with
        // its small l's as I's may name a region the line as read does not.
        if (lineText.Contains('l', StringComparison.Ordinal) && MatchNormalized(Normalize(lineText.Replace('l', 'I'))) is { } asI
            && (match is null || asI.Strength * 0.95 > match.Value.Strength))
            match = (asI.Region, asI.Strength * 0.95);
        return match;
    }

    private (string Region, double Strength)? MatchNormalized(string t)
    {
        if (t.Length < 4) return null;
        (string, double)? best = null;
        foreach (var (region, phrase) in _phrases)
        {
            double s;
            if (t == phrase) s = 1;
            else if (phrase.Length >= 5 && t.Contains(phrase, StringComparison.Ordinal)) s = 0.9;
            else
            {
                if (phrase.Length < 6 || Math.Abs(phrase.Length - t.Length) > phrase.Length / 4 + 1)
                {
                    // A misread phrase inside a longer line: compare against windows of the phrase's length.
                    if (phrase.Length < 6 || t.Length < phrase.Length) continue;
                    int bestD = int.MaxValue;
                    for (int i = 0; i + phrase.Length <= t.Length; i++)
                        bestD = Math.Min(bestD, Levenshtein(t.AsSpan(i, phrase.Length), phrase));
                    if (bestD > phrase.Length / 5) continue;
                    s = 0.8 - 0.1 * bestD;
                }
                else
                {
                    int d = Levenshtein(t, phrase);
                    if (d > phrase.Length / 5) continue;
                    s = 0.9 - 0.1 * d;
                }
            }
            if (best is null || s > best.Value.Item2) best = (region, s);
        }
        return best;
    }

    private static string Normalize(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length);
        foreach (char c0 in s)
        {
            char c = char.ToUpperInvariant(c0);
            if (c is (>= 'A' and <= 'Z') or (>= '0' and <= '9')) sb.Append(c);
        }
        return sb.ToString();
    }

    internal static int Levenshtein(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        if (b.Length > 64) return Math.Max(a.Length, b.Length);
        Span<int> prev = stackalloc int[65];
        Span<int> cur = stackalloc int[65];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            var tmp = prev; prev = cur; cur = tmp;
        }
        return prev[b.Length];
    }
}
