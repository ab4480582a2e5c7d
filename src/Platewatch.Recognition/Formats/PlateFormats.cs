using System.Reflection;
using Platewatch.Recognition.Ocr;

namespace Platewatch.Recognition.Formats;

/// <summary>One fixed-length expansion of a format: a set of allowed characters per slot (bit i = <see cref="Alphabet.Chars"/>[i]).</summary>
internal sealed record FixedFormat(string Region, string Source, ulong[] Slots)
{
    /// <summary>
    /// Log-probability that a plate of the region carries a given string this expansion allows: each of the region's
    /// patterns equally likely, each expansion of a pattern too, and each string an expansion allows.
    /// </summary>
    public double LogLikelihood { get; init; }

    /// <summary>Bit set on a slot that holds a plate's emblem or sticker: whatever is read there is left out of the text.</summary>
    public const ulong SeparatorSlot = 1UL << 63;
}

/// <summary>The best way a read fits a format.</summary>
internal readonly record struct FormatFit(FixedFormat Format, string Text, double LogScore, float[] CharConfidences, int Corrections);

/// <summary>
/// Plate formats as data (<c>Formats/*.formats</c>): per region, patterns with <c>@</c> for a letter, <c>#</c> for a digit,
/// <c>?</c> for either, <c>[..]</c> sets and <c>{m,n}</c> repeats. Each pattern is expanded to fixed lengths once, at load.
/// </summary>
internal sealed class PlateFormats
{
    public const ulong Digits = (1UL << 10) - 1;
    public const ulong Letters = ((1UL << 36) - 1) & ~Digits;

    // Look-alikes: for a character read, what the plate more likely holds when a format rules the read out,
    // most likely first. 'O' beats 'D' and 'Q' for a zero in a letter slot.
    private static readonly Dictionary<char, string> s_lookAlikes = new()
    {
        ['0'] = "ODQU", ['1'] = "ILTJ", ['2'] = "Z", ['3'] = "B", ['4'] = "A", ['5'] = "S", ['6'] = "G", ['7'] = "T", ['8'] = "B", ['9'] = "G",
        ['O'] = "0", ['D'] = "0", ['Q'] = "0", ['U'] = "0", ['C'] = "0", ['I'] = "1", ['L'] = "1", ['T'] = "17", ['J'] = "1", ['Z'] = "2",
        ['A'] = "4", ['S'] = "5", ['G'] = "69", ['B'] = "83", ['E'] = "3",
    };

    /// <summary>
    /// Pairs that many plate fonts draw (nearly) alike, so the recognizer's certainty says nothing about which it is:
    /// O and zero, I and one. Other look-alikes (D/0, Q/0, B/8, S/5, G/9...) differ visibly (a straight side, a tail),
    /// and a confident read of one of them is evidence the format must weigh.
    /// </summary>
    private static bool SameGlyph(char read, char other) => (read, other) switch
    {
        ('0', 'O') or ('O', '0') => true,
        ('1', 'I') or ('I', '1') => true,
        _ => false,
    };

    /// <summary>Most characters a format may change: beyond this the read is some other text, not a misread plate.</summary>
    public static int MaxCorrections(int length) => Math.Max(1, length / 3);

    private readonly Dictionary<int, List<FixedFormat>> _byLength = [];

    /// <summary>The data files' directives (<c>!open us-*</c>): per directive, the regions it names.</summary>
    private readonly Dictionary<string, string[]> _directives;

    private PlateFormats(IEnumerable<FixedFormat> formats, Dictionary<string, string[]> directives)
    {
        _directives = directives;
        var all = formats.ToList();
        var patterns = all.GroupBy(f => f.Region, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(f => f.Source).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
        var expansions = all.GroupBy(f => (f.Region, f.Source)).ToDictionary(g => g.Key, g => g.Count());
        foreach (var f in all.Select(f => f with { LogLikelihood = -Math.Log(patterns[f.Region]) - Math.Log(expansions[(f.Region, f.Source)]) - LogSize(f.Slots) }))
        {
            if (!_byLength.TryGetValue(f.Slots.Length, out var list)) _byLength[f.Slots.Length] = list = [];
            list.Add(f);
        }
        Regions = all.Select(f => f.Region).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Log of the number of strings the slots allow; an emblem slot holds nothing of the text.</summary>
    private static double LogSize(ulong[] slots) =>
        slots.Sum(s => (s & FixedFormat.SeparatorSlot) != 0 ? 0 : Math.Log(Math.Max(1, System.Numerics.BitOperations.PopCount(s))));

    public IReadOnlyList<string> Regions { get; }

    /// <summary>
    /// Whether many plates of the region fall outside its formats (vanity, fleet and special plates, marked <c>!open</c>
    /// in the data files), so that fitting no format says little, and a format should not overrule a confident read.
    /// </summary>
    public bool IsOpen(string region) => Names("!open", region);

    /// <summary>
    /// Whether the region's plates carry a county number left of an emblem, apart from the number's line (<c>!county-left</c>
    /// in the data files: Wyoming's bronco).
    /// </summary>
    public bool HasCountyLeft(string region) => Names("!county-left", region);

    /// <summary>
    /// Whether a read of the region that fits none of its formats writes the letter O as zero (<c>!zero-for-o</c>).
    /// Such a read is mostly a vanity plate, and the state fonts draw O and zero alike, so the reader's pick between them
    /// is a toss that can differ from frame to frame and camera to camera. One spelling keeps a plate's reads together.
    /// </summary>
    public bool ZeroForO(string region) => Names("!zero-for-o", region);

    /// <summary>Whether any region the reader may consider is open (all regions when nothing narrows them).</summary>
    public bool AnyOpen(Func<string, bool>? allowRegion) => Regions.Any(r => (allowRegion?.Invoke(r) ?? true) && IsOpen(r));

    /// <summary>Whether every region the hint allows writes O as zero outside its formats; false with no hint.</summary>
    public bool AllZeroForO(Func<string, bool>? allowRegion) =>
        allowRegion is not null && Regions.Where(allowRegion).DefaultIfEmpty("").All(ZeroForO);

    /// <summary>Whether the directive names the region; a trailing <c>*</c> matches a prefix.</summary>
    private bool Names(string directive, string region) =>
        _directives.TryGetValue(directive, out var names) && names.Any(o => o.EndsWith('*')
            ? region.StartsWith(o.AsSpan(0, o.Length - 1), StringComparison.Ordinal)
            : region == o);

    public static PlateFormats Default { get; } = LoadEmbedded();

    private static PlateFormats LoadEmbedded()
    {
        var asm = Assembly.GetExecutingAssembly();
        var all = new List<FixedFormat>();
        var texts = new List<string>();
        foreach (string name in asm.GetManifestResourceNames().Where(n => n.EndsWith(".formats", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var s = asm.GetManifestResourceStream(name)!;
            using var r = new StreamReader(s);
            string text = r.ReadToEnd();
            all.AddRange(Parse(text, name));
            texts.Add(text);
        }
        return new PlateFormats(all, Directives(string.Join('\n', texts)));
    }

    public static PlateFormats FromText(string text) => new(Parse(text, "text"), Directives(text));

    /// <summary>Each directive line (<c>!open us-*</c>) by its directive, with the regions it names.</summary>
    private static Dictionary<string, string[]> Directives(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('!'))
            .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(p => p.Skip(1)).ToArray(), StringComparer.Ordinal);

    internal static IEnumerable<FixedFormat> Parse(string text, string source)
    {
        int lineNo = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or '!') continue;
            string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2) throw new FormatException($"{source}:{lineNo}: expected 'REGION PATTERN...'.");
            for (int i = 1; i < parts.Length; i++)
            {
                foreach (var slots in Expand(parts[i], $"{source}:{lineNo}"))
                    yield return new FixedFormat(parts[0], parts[i], slots);
            }
        }
    }

    private static List<ulong[]> Expand(string pattern, string where)
    {
        // Tokenise into (set, min, max) then take the cartesian product of repeat counts.
        var tokens = new List<(ulong Set, int Min, int Max)>();
        for (int i = 0; i < pattern.Length;)
        {
            ulong set;
            char c = pattern[i];
            if (c == '@') { set = Letters; i++; }
            else if (c == '#') { set = Digits; i++; }
            else if (c == '?') { set = Letters | Digits; i++; }
            else if (c == '~')
            {
                // An emblem or sticker between character groups, which the reader may or may not take for a character.
                tokens.Add((FixedFormat.SeparatorSlot | Letters | Digits, 0, 1));
                i++;
                continue;
            }
            else if (c == '[')
            {
                int end = pattern.IndexOf(']', i);
                if (end < 0) throw new FormatException($"{where}: unclosed '[' in '{pattern}'.");
                set = ParseSet(pattern.AsSpan(i + 1, end - i - 1), where);
                i = end + 1;
            }
            else if (Alphabet.IndexOf(c) >= 0 && c is not (>= 'a' and <= 'z')) { set = 1UL << Alphabet.IndexOf(c); i++; }
            else throw new FormatException($"{where}: unexpected '{c}' in '{pattern}'.");

            int min = 1, max = 1;
            if (i < pattern.Length && pattern[i] == '{')
            {
                int end = pattern.IndexOf('}', i);
                if (end < 0) throw new FormatException($"{where}: unclosed '{{' in '{pattern}'.");
                string[] mm = pattern[(i + 1)..end].Split(',');
                min = int.Parse(mm[0], System.Globalization.CultureInfo.InvariantCulture);
                max = mm.Length > 1 ? int.Parse(mm[1], System.Globalization.CultureInfo.InvariantCulture) : min;
                i = end + 1;
            }
            tokens.Add((set, min, max));
        }
        var results = new List<ulong[]> { Array.Empty<ulong>() };
        foreach (var (set, min, max) in tokens)
        {
            var next = new List<ulong[]>();
            foreach (var prefix in results)
            {
                for (int n = min; n <= max; n++)
                    next.Add([.. prefix, .. Enumerable.Repeat(set, n)]);
            }
            results = next;
        }
        return results.Where(r => r.Length is > 0 and <= 10).ToList();
    }

    private static ulong ParseSet(ReadOnlySpan<char> s, string where)
    {
        ulong set = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (i + 2 < s.Length && s[i + 1] == '-')
            {
                for (char c = s[i]; c <= s[i + 2]; c++) set |= Bit(c, where);
                i += 2;
            }
            else set |= Bit(s[i], where);
        }
        return set;
    }

    private static ulong Bit(char c, string where)
    {
        int k = Alphabet.IndexOf(c);
        if (k < 0) throw new FormatException($"{where}: '{c}' is not a letter or digit.");
        return 1UL << k;
    }

    public IEnumerable<FixedFormat> OfLength(int length) =>
        _byLength.TryGetValue(length, out var list) ? list : [];

    /// <summary>
    /// Whether a plate of <paramref name="length"/> characters of an allowed region may hold <paramref name="c"/> at
    /// <paramref name="position"/>: always in an open region (vanity plates) or where no format has that length (a stray
    /// character may yet be dropped), otherwise where some format of that length allows it.
    /// </summary>
    public bool MayHold(int length, int position, char c, Func<string, bool>? allowRegion)
    {
        if (AnyOpen(allowRegion)) return true;
        ulong bit = 1UL << Alphabet.IndexOf(c);
        bool any = false;
        foreach (var f in OfLength(length))
        {
            if (allowRegion is not null && !allowRegion(f.Region)) continue;
            any = true;
            if ((f.Slots[position] & (bit | FixedFormat.SeparatorSlot)) != 0) return true;
        }
        return !any;
    }

    /// <summary>Whether the exact text fits some format of the allowed regions (null: any).</summary>
    public bool Matches(string text, Func<string, bool>? allowRegion = null)
    {
        foreach (var f in OfLength(text.Length))
        {
            if (allowRegion is not null && !allowRegion(f.Region)) continue;
            if (Fits(f, text)) return true;
        }
        return false;
    }

    /// <summary>
    /// The allowed regions with a format the text fits, most likely first, each with its share of the likelihood. A
    /// region whose formats allow fewer strings explains a read that fits them better: Austria's <c>@{1,2}#{2,5}@{1,2}</c>
    /// fits most short European serials, Italy's format with its restricted letters few, so a read fitting both is
    /// rather Italian. Regions are equally likely beforehand; ties keep the data files' order.
    /// </summary>
    public IReadOnlyList<(string Region, double Share)> RegionsMatching(string text, Func<string, bool>? allowRegion = null)
    {
        var likelihood = new Dictionary<string, double>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var f in OfLength(text.Length))
        {
            if ((allowRegion is not null && !allowRegion(f.Region)) || !Fits(f, text)) continue;
            if (!likelihood.TryGetValue(f.Region, out double l)) order.Add(f.Region);
            likelihood[f.Region] = l + Math.Exp(f.LogLikelihood);
        }
        double total = likelihood.Values.Sum();
        return [.. order.Select(r => (r, likelihood[r] / total)).OrderByDescending(x => x.Item2)];
    }

    private static bool Fits(FixedFormat f, string text)
    {
        if (f.Slots.Any(s => (s & FixedFormat.SeparatorSlot) != 0)) return false;
        for (int i = 0; i < text.Length; i++)
        {
            int k = Alphabet.IndexOf(text[i]);
            if (k < 0 || (f.Slots[i] & (1UL << k)) == 0) return false;
        }
        return true;
    }

    /// <summary>
    /// Fits the characters to a format: each slot takes its most probable allowed character, where a look-alike of the
    /// character read also counts (the reader often gives 'O' with near certainty and '0' almost nothing). Returns the
    /// log-probability of the fitted text, or null when some slot has no plausible character.
    /// </summary>
    /// <param name="trust">
    /// How far the format is trusted to overrule a visibly different character the recognizer was sure of: 1 where
    /// the region's plates all follow its formats, less where many plates do not (vanity and special plates).
    /// </param>
    /// <param name="emblemTrust">The same for a character read where the format has an emblem; <paramref name="trust"/> when negative.</param>
    public static FormatFit? Fit(FixedFormat f, IReadOnlyList<CharRead> chars, float trust = 1, float emblemTrust = -1)
    {
        double log = 0;
        int corrections = 0;
        var text = new List<char>(chars.Count);
        var conf = new List<float>(chars.Count);
        for (int i = 0; i < chars.Count; i++)
        {
            var c = chars[i];
            ulong allowed = f.Slots[i];
            if ((allowed & FixedFormat.SeparatorSlot) != 0)
            {
                // Cheap when the reader was unsure of it, as it is of most emblems; dearer for a confident character,
                // and in open regions as dear as overruling one.
                log += -0.4 - 1.2 * c.Confidence + Math.Log(Math.Max(1 - c.Confidence, emblemTrust < 0 ? trust : emblemTrust));
                continue;
            }
            int bestK = -1;
            float bestP = 0;
            for (int k = 0; k < Alphabet.Chars.Length; k++)
            {
                if ((allowed & (1UL << k)) == 0) continue;
                float p = c.Alnum[k];
                if (s_lookAlikes.TryGetValue(c.Best, out string? alikes))
                {
                    int rank = alikes.IndexOf(Alphabet.Chars[k], StringComparison.Ordinal);
                    if (rank >= 0)
                    {
                        char other = Alphabet.Chars[k];
                        float weight = SameGlyph(c.Best, other) ? c.Confidence : MathF.Max(1 - c.Confidence, trust * c.Confidence);
                        p = MathF.Max(p, weight * (rank == 0 ? 0.5f : 0.3f));
                    }
                }
                if (p > bestP) { bestP = p; bestK = k; }
            }
            if (bestK < 0 || bestP < 0.02f) return null;
            char ch = Alphabet.Chars[bestK];
            text.Add(ch);
            if (ch != c.Best && ++corrections > MaxCorrections(chars.Count)) return null;
            conf.Add(MathF.Min(1, bestP));
            log += Math.Log(Math.Max(bestP, 1e-6));
        }
        return new FormatFit(f, new string([.. text]), log, [.. conf], corrections);
    }
}
