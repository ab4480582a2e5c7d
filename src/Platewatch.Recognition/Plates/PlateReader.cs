using Platewatch.Recognition.Formats;
using Platewatch.Recognition.Ocr;

namespace Platewatch.Recognition.Plates;

/// <summary>
/// The best reading of one plate candidate, before the region is known. <see cref="FormatRegions"/> are the regions
/// whose formats the text fits, most likely first; <see cref="FormatRegionShare"/> is the first one's share of the
/// likelihood.
/// </summary>
internal sealed record PlateHypothesis(
    string Text,
    double Score,
    double Confidence,
    bool MatchesFormat,
    IReadOnlyList<string> FormatRegions,
    float[] CharConfidences,
    IReadOnlyList<PlateCandidate> Candidates,
    string BandRegion = "",
    double FormatRegionShare = 0);

/// <summary>
/// Turns recognized characters into plate readings: fits them to plate formats (fixing look-alikes where a format
/// demands a letter or a digit, and dropping a stray character such as a sticker or the EU country band), scores
/// how plate-like the reading is, and lists the alternatives.
/// </summary>
internal sealed class PlateReader(PlateFormats formats)
{
    public const int MinLength = 2;
    public const int MaxLength = 10;

    /// <param name="emblemExpected">
    /// The plate names its region, whose formats place an emblem between groups (Georgia's peach): a character read
    /// there is as likely the emblem as not, however sure the recognizer was, as in a strict region.
    /// </param>
    public PlateHypothesis? Read(IReadOnlyList<CharRead> chars, string rawText, Func<string, bool>? allowRegion, int topN, bool emblemExpected = false)
    {
        if (chars.Count < MinLength || chars.Count > MaxLength + 2) return null;
        if (LooksLikeNonPlate(rawText)) return null;

        bool open = formats.AnyOpen(allowRegion);
        float trust = open ? OpenTrust : 1;
        float emblemTrust = emblemExpected ? 1 : trust;
        var fits = new List<(FormatFit Fit, double Score)>();
        AddFits(chars, allowRegion, trust, emblemTrust, _ => 0, fits);
        // A stray character: the EU band letter, a sticker between groups, an emblem. Only a weak character may go.
        for (int drop = 0; drop < chars.Count; drop++)
        {
            var c = chars[drop];
            bool edge = drop == 0 || drop == chars.Count - 1;
            if (c.Confidence > (edge ? 0.97f : 0.9f) && !edge) continue;
            var rest = chars.Where((_, i) => i != drop).ToList();
            double penalty = edge ? 0.6 + 3.0 * c.Confidence : 1.0 + 3.0 * c.Confidence;
            // The EU band's country letter, read as the first character: cheap to drop, and it names the country.
            string band = drop == 0 ? CountryBand.Region(c.Best.ToString()) : "";
            AddFits(rest, allowRegion, trust, emblemTrust, f => band.Length > 0 && f.Region == band ? 0.2 : penalty, fits);
        }

        // Two equal narrow characters the recognizer wrote as one, held over steps enough for both: the read with the
        // character twice competes where it fits a format.
        int usual = MedianSteps(chars);
        for (int twice = 0; twice < chars.Count && chars.Count < MaxLength; twice++)
        {
            if (chars[twice].Steps < Math.Max(3, 2 * usual)) continue;
            var doubled = chars.Take(twice + 1).Append(chars[twice]).Concat(chars.Skip(twice + 1)).ToList();
            AddFits(doubled, allowRegion, trust, emblemTrust, _ => MergedDoublePenalty, fits);
        }

        double rawLog = chars.Sum(c => Math.Log(Math.Max(c.Confidence, 1e-6)));
        string rawTextAlnum = string.Concat(chars.Select(c => c.Best));
        bool hasDigit = rawTextAlnum.Any(char.IsAsciiDigit);

        var candidates = new Dictionary<string, (double Score, bool Fmt)>(StringComparer.Ordinal);
        foreach (var (fit, fitScore) in fits)
        {
            if (!candidates.TryGetValue(fit.Text, out var cur) || cur.Score < fitScore) candidates[fit.Text] = (fitScore, true);
        }
        // The raw reading and its near alternatives, for vanity plates and formats not in the data files.
        foreach (var (text, log) in Alternatives(chars, topN))
        {
            bool fmt = formats.Matches(text, allowRegion);
            // Plates outside the format files (vanity plates, new series) are common: a confident raw read stays in the race.
            double s = log / chars.Count - (fmt ? 0.1 : hasDigit ? 0.4 : 0.6);
            if (!candidates.TryGetValue(text, out var cur) || cur.Score < s) candidates[text] = (s, fmt || cur.Fmt);
        }
        if (candidates.Count == 0) return null;

        var ranked = candidates.OrderByDescending(kv => kv.Value.Score).ToList();
        var (bestText, (bestScore, bestFmt)) = (ranked[0].Key, ranked[0].Value);
        float[] charConf;
        var bestFit = fits.Where(f => f.Fit.Text == bestText).OrderByDescending(f => f.Score).Select(f => (FormatFit?)f.Fit).FirstOrDefault();
        if (bestFit is { } bf) charConf = bf.CharConfidences;
        else charConf = bestText.Length == chars.Count ? CharConf(chars, bestText) : [.. chars.Take(bestText.Length).Select(c => c.Confidence)];

        double conf = Math.Exp(charConf.Sum(c => Math.Log(Math.Max(c, 1e-6))) / Math.Max(1, charConf.Length));
        var matching = formats.RegionsMatching(bestText, allowRegion);
        var regions = matching.Select(m => m.Region).ToList();
        var list = ranked.Take(Math.Max(1, topN))
            .Select(kv => new PlateCandidate(kv.Key, Math.Round(Math.Clamp(Math.Exp(kv.Value.Score + (kv.Value.Fmt ? 0 : 0.5)), 0, 1), 4), kv.Value.Fmt || formats.Matches(kv.Key, allowRegion)))
            .ToList();
        // Plate-likeness: the reading's quality, its length, and whether it has the digits nearly every plate has.
        double score = bestScore + (bestText.Length is >= 5 and <= 8 ? 0.3 : bestText.Length is 4 ? 0 : -0.5);
        string bandRegion = bestFit is { } bb && bestText.Length == chars.Count - 1 && CountryBand.Region(chars[0].Best.ToString()) == bb.Format.Region ? bb.Format.Region : "";
        return new PlateHypothesis(bestText, score, conf, bestFmt || regions.Count > 0, regions, charConf, list, bandRegion,
            matching.Count == 0 ? 0 : matching[0].Share);
    }

    /// <summary>
    /// The hypothesis with O written as zero where the region writes O as zero (<see cref="PlateFormats.ZeroForO"/>):
    /// every O of a read that fits none of the region's formats, and an O between two digits of one that does, since
    /// most states keep O out of their serials for this very confusion. A region named on the plate narrows the formats
    /// to its own; with no region, every region the hint allows must write O as zero. Each candidate is written the
    /// same way, keeping its rank, and its O spelling follows, so that top-N still holds both.
    /// </summary>
    public PlateHypothesis ZeroForO(PlateHypothesis hyp, string region, Func<string, bool>? allowRegion)
    {
        bool zero = region.Length > 0 ? formats.ZeroForO(region) : formats.AllZeroForO(allowRegion);
        if (!zero) return hyp;
        Func<string, bool>? within = formats.Regions.Contains(region) ? r => r == region : allowRegion;
        string text = Zeroed(hyp.Text, within);
        if (text == hyp.Text) return hyp;
        var candidates = new List<PlateCandidate>(hyp.Candidates.Count + 1);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in hyp.Candidates)
        {
            string zeroText = Zeroed(c.Text, within);
            if (zeroText != c.Text && seen.Add(zeroText)) candidates.Add(c with { Text = zeroText, MatchesFormat = formats.Matches(zeroText, allowRegion) });
            if (seen.Add(c.Text)) candidates.Add(c);
        }
        return hyp with { Text = text, Candidates = [.. candidates.Take(Math.Max(1, hyp.Candidates.Count))] };
    }

    private string Zeroed(string text, Func<string, bool>? within)
    {
        if (!text.Contains('O', StringComparison.Ordinal)) return text;
        if (!formats.Matches(text, within)) return text.Replace('O', '0');
        var chars = text.ToCharArray();
        for (int i = 1; i < chars.Length - 1; i++)
        {
            if (chars[i] == 'O' && char.IsAsciiDigit(text[i - 1]) && char.IsAsciiDigit(text[i + 1])) chars[i] = '0';
        }
        return new string(chars);
    }

    /// <summary>Cost of reading one character twice: about a doubted character's drop, so that only a format fit pays it back.</summary>
    private const double MergedDoublePenalty = 0.5;

    private static int MedianSteps(IReadOnlyList<CharRead> chars)
    {
        if (chars.Count == 0) return 1;
        var steps = chars.Select(c => c.Steps).Order().ToList();
        return steps[steps.Count / 2];
    }

    /// <summary>
    /// In open regions (US states), how far a format may overrule a visibly different character read with certainty.
    /// Measured on the US crops: 0 and 0.1 read the same plates; 1 (full trust, as in strict regions) turned 15 more
    /// correct reads into format-shaped misreads ("5977144" into "5G77144") and fixed none.
    /// </summary>
    private const float OpenTrust = 0.1f;

    private void AddFits(IReadOnlyList<CharRead> chars, Func<string, bool>? allowRegion, float trust, float emblemTrust, Func<FixedFormat, double> penalty, List<(FormatFit, double)> fits)
    {
        // A read without a single digit is a word: a vanity plate (or a slogan), not a serial plate misread, unless the
        // recognizer itself gave the digits a format needs real probability. Turning a confident letter into a digit
        // only because a format has a digit there ("SAMPLE" into "SAMP1E") is then far less likely than the word.
        bool word = chars.Count >= 4 && chars.All(c => !char.IsAsciiDigit(c.Best));
        foreach (var f in formats.OfLength(chars.Count))
        {
            if (allowRegion is not null && !allowRegion(f.Region)) continue;
            if (PlateFormats.Fit(f, chars, trust, emblemTrust) is not { } fit) continue;
            double score = fit.LogScore / chars.Count - penalty(f) / chars.Count - 0.05 * fit.Corrections;
            if (word) score -= WordToDigitPenalty * ForcedDigits(fit.Text, chars);
            fits.Add((fit, score));
        }
    }

    /// <summary>Cost of each digit a format forces into a read that has none, against the recognizer's own belief.</summary>
    private const double WordToDigitPenalty = 0.5;

    /// <summary>Digits in the fitted text at characters read as letters, weighted by how sure the recognizer was of the letter.</summary>
    private static double ForcedDigits(string fitted, IReadOnlyList<CharRead> chars)
    {
        double n = 0;
        // Separator slots drop characters, so walk the read and the text together only while they line up.
        if (fitted.Length != chars.Count) return fitted.Any(char.IsAsciiDigit) ? 1 : 0;
        for (int i = 0; i < fitted.Length; i++)
        {
            if (!char.IsAsciiDigit(fitted[i])) continue;
            var c = chars[i];
            float digit = c.Alnum[Alphabet.IndexOf(fitted[i])];
            n += Math.Clamp(c.Confidence - digit, 0, 1);
        }
        return n;
    }

    private static float[] CharConf(IReadOnlyList<CharRead> chars, string text)
    {
        var r = new float[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            int k = Alphabet.IndexOf(text[i]);
            r[i] = k < 0 ? 0 : MathF.Min(1, chars[i].Alnum[k]);
        }
        return r;
    }

    /// <summary>Best-first enumeration of readings from the per-character alternatives, as OpenALPR's top-N list does.</summary>
    internal static List<(string Text, double Log)> Alternatives(IReadOnlyList<CharRead> chars, int topN)
    {
        var options = new List<(char C, double Log)[]>(chars.Count);
        foreach (var c in chars)
        {
            var alts = c.Alnum.Select((p, k) => (C: Alphabet.Chars[k], P: p))
                .Where(a => a.P >= 0.03f || a.C == c.Best)
                .OrderByDescending(a => a.C == c.Best ? 2 : a.P).Take(3)
                .Select(a => (a.C, Math.Log(Math.Max(a.P, 1e-6)))).ToArray();
            options.Add(alts);
        }
        var results = new List<(string, double)>();
        var pq = new PriorityQueue<int[], double>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var start = new int[chars.Count];
        pq.Enqueue(start, -Score(start));
        while (pq.Count > 0 && results.Count < Math.Max(1, topN))
        {
            var idx = pq.Dequeue();
            string key = string.Join(',', idx);
            if (!seen.Add(key)) continue;
            results.Add((new string(idx.Select((k, i) => options[i][k].C).ToArray()), Score(idx)));
            for (int i = 0; i < idx.Length; i++)
            {
                if (idx[i] + 1 >= options[i].Length) continue;
                var next = (int[])idx.Clone();
                next[i]++;
                pq.Enqueue(next, -Score(next));
            }
        }
        return results;

        double Score(int[] idx)
        {
            double s = 0;
            for (int i = 0; i < idx.Length; i++) s += options[i][idx[i]].Log;
            return s;
        }
    }

    /// <summary>Text that is not a plate: clock times, dates, phone numbers and ordinary words.</summary>
    internal static bool LooksLikeNonPlate(string raw)
    {
        int lower = 0, upper = 0, digits = 0, colons = 0, slashes = 0, other = 0;
        foreach (char c in raw)
        {
            if (char.IsAsciiLetterLower(c)) lower++;
            else if (char.IsAsciiLetterUpper(c)) upper++;
            else if (char.IsAsciiDigit(c)) digits++;
            else if (c is ':' or '：') colons++;
            else if (c is '/') slashes++;
            else if (c is not (' ' or '-' or '.' or '·')) other++;
        }
        if (colons > 0 && digits >= 3) return true;           // 12:34:56
        if (slashes >= 2 && digits >= 4) return true;         // 2024/01/31
        if (lower > upper + digits && lower >= 3) return true; // ordinary words are lower case; plates never are
        if (digits + upper + lower > 14) return true;         // a sentence or a phone number with its area code
        return false;
    }
}
