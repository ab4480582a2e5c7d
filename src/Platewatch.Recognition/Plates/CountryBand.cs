using Platewatch.Recognition.Imaging;
using Platewatch.Recognition.Ocr;

namespace Platewatch.Recognition.Plates;

/// <summary>
/// The blue band at the left of European plates, which holds the country's code in white. The reader often takes its
/// letters for the first characters of the number ("D" before "B MK 4021"); its colour tells them apart, where the
/// letters alone cannot ("SFOV340" is a German format too).
/// </summary>
internal static class CountryBand
{
    /// <summary>
    /// How much bluer than red and green a band character's surroundings must be (0-255), and how much bluer than the
    /// plate's. Blur, glare and the white letter itself wash the band out: a rendered band measured 25-32 after
    /// blur and JPEG, against -3 for the plate.
    /// </summary>
    private const float BandBlueness = 12, BandContrast = 15;

    /// <summary>The plate beside the band is white or yellow: barely blue at all.</summary>
    private const float PlateBlueness = 10;

    /// <summary>
    /// How many leading characters lie on a blue band, where the rest of the line lies on a plate that is not blue
    /// (so a blue plate, or blue sky behind a US plate, shows no band). At most three, and three characters must remain.
    /// </summary>
    public static int LeadingOnBand(RasterImage image, Quad line, IReadOnlyList<CharRead> chars)
    {
        if (chars.Count < 4) return 0;
        Span<float> steps = stackalloc float[chars.Count - 1];
        for (int i = 1; i < chars.Count; i++)
        {
            steps[i - 1] = chars[i].X - chars[i - 1].X;
            if (steps[i - 1] <= 0) return 0; // characters of separately read lines
        }
        steps.Sort();
        float half = 0.4f * steps[steps.Length / 2];

        Span<float> blue = stackalloc float[chars.Count];
        for (int i = 0; i < chars.Count; i++) blue[i] = Blueness(image, line, chars[i].X - half, chars[i].X + half);

        // The plate's own colour: the characters after the first three, which are never band.
        Span<float> plate = stackalloc float[chars.Count - 3];
        blue[3..].CopyTo(plate);
        plate.Sort();
        float plateBlue = plate[plate.Length / 2];
        if (plateBlue > PlateBlueness) return 0;
        int k = 0;
        while (k < 3 && k < chars.Count - 3 && blue[k] > MathF.Max(BandBlueness, plateBlue + BandContrast)) k++;
        return k;
    }

    /// <summary>
    /// The band beside a line the detector left it out of: up to a little more than the line's height to its left
    /// (less where the image ends), when that area is blue and the line's plate is not. Null when there is no band.
    /// The quad returned reaches a quarter of that into the line, whose box may have cut into the band; the code's
    /// letters are told from a plate character's by the known codes (<see cref="RegionOfBand"/>).
    /// </summary>
    public static Quad? BandLeftOf(RasterImage image, Quad line)
    {
        if (line.StripLeft(1.2f * line.Height) is not { } strip || strip.Width < 0.6f * line.Height) return null;
        if (Blueness(image, line, 0.25f, 1) >= PlateBlueness) return null;
        // The search reaches 0.6 of the line's height into the line, whose box often cuts into the band.
        float into = MathF.Min(0.5f, 0.6f * line.Height / MathF.Max(1, line.Width));
        var reach = strip with { TopRight = At(line, into, 0), BottomRight = At(line, into, 1) };
        const int bins = 12;
        int right = -1, left = -1;
        for (int i = bins - 1; i >= 0; i--)
        {
            bool blue = Blueness(image, reach, (float)i / bins, (i + 1f) / bins) > BandBlueness + BandContrast;
            if (blue && right < 0) right = left = i;
            else if (blue && left == i + 1) left = i;
            else if (right >= 0 && !blue) break;
        }
        if (right < 0 || (right - left + 1) * reach.Width / bins < 0.25f * line.Height) return null;
        // The code sits in the band's lower part, under the ring of stars, level with the lower half of the number and
        // a little below it: read that part alone, so that its letters fill the recognizer's height.
        float u0 = MathF.Max(0, (left - 0.5f) / bins), u1 = MathF.Min(1, (right + 1.5f) / bins);
        return new Quad(At(reach, u0, 0.35f), At(reach, u1, 0.35f), At(reach, u1, 1.2f), At(reach, u0, 1.2f));
    }

    /// <summary>The point at (u, v) of the quad, bilinearly: u along it, v across (either may lie outside 0-1).</summary>
    private static PointF At(Quad q, float u, float v) => new(
        (1 - u) * (1 - v) * q.TopLeft.X + u * (1 - v) * q.TopRight.X + u * v * q.BottomRight.X + (1 - u) * v * q.BottomLeft.X,
        (1 - u) * (1 - v) * q.TopLeft.Y + u * (1 - v) * q.TopRight.Y + u * v * q.BottomRight.Y + (1 - u) * v * q.BottomLeft.Y);

    /// <summary>Mean blue minus the larger of mean red and green, over a column band of the line (x from 0 to 1).</summary>
    private static float Blueness(RasterImage image, Quad q, float x0, float x1)
    {
        const int nx = 4, ny = 7;
        long r = 0, g = 0, b = 0;
        int n = 0;
        var px = image.Pixels;
        for (int j = 0; j < ny; j++)
        {
            float v = 0.1f + 0.8f * j / (ny - 1);
            for (int i = 0; i < nx; i++)
            {
                float u = Math.Clamp(x0 + (x1 - x0) * i / (nx - 1), 0, 1);
                // Bilinear position within the quad.
                float x = (1 - u) * (1 - v) * q.TopLeft.X + u * (1 - v) * q.TopRight.X + u * v * q.BottomRight.X + (1 - u) * v * q.BottomLeft.X;
                float y = (1 - u) * (1 - v) * q.TopLeft.Y + u * (1 - v) * q.TopRight.Y + u * v * q.BottomRight.Y + (1 - u) * v * q.BottomLeft.Y;
                int ix = (int)x, iy = (int)y;
                if ((uint)ix >= (uint)image.Width || (uint)iy >= (uint)image.Height) continue;
                int o = (iy * image.Width + ix) * 4; // BGRA
                b += px[o];
                g += px[o + 1];
                r += px[o + 2];
                n++;
            }
        }
        if (n == 0) return 0;
        return (b - (float)Math.Max(r, g)) / n;
    }

    /// <summary>Whether plates of any allowed region carry a band.</summary>
    public static bool Possible(IReadOnlyList<string> regions, Func<string, bool>? allow) =>
        regions.Any(r => (allow?.Invoke(r) ?? true) && s_bandRegions.Contains(r));

    /// <summary>The codes a band shows, and the region each names.</summary>
    private static readonly Dictionary<string, string> s_codes = new(StringComparer.Ordinal)
    {
        ["D"] = "de", ["F"] = "fr", ["I"] = "it", ["E"] = "es", ["P"] = "pt", ["B"] = "be", ["A"] = "at", ["L"] = "lu", ["H"] = "hu",
        ["S"] = "se", ["N"] = "no", ["NL"] = "nl", ["PL"] = "pl", ["CZ"] = "cz", ["SK"] = "sk", ["DK"] = "dk", ["GB"] = "gb", ["UK"] = "gb",
        ["RO"] = "ro", ["BG"] = "bg", ["HR"] = "hr", ["GR"] = "gr", ["LT"] = "lt", ["LV"] = "lv", ["EST"] = "ee", ["FIN"] = "fi",
        ["IRL"] = "ie", ["SLO"] = "si", ["CH"] = "ch",
    };

    private static readonly HashSet<string> s_bandRegions = [.. s_codes.Values];

    /// <summary>
    /// The region a band's read names. A band holds one of a few known codes, so the read is decoded against them alone:
    /// the code of the read's length whose letters the recognizer gave the most probability, when that is at least
    /// <see cref="MinCodeProbability"/> per letter ("GE" is GB with its B taken for an E; "DI" is DK). The stars above the
    /// code read as nothing or as weak noise, which is dropped. "" when no code is likely; the probability is the
    /// geometric mean per letter.
    /// </summary>
    public static (string Region, double Probability) RegionOfBand(IReadOnlyList<CharRead> chars)
    {
        var letters = chars.Where(c => c.Confidence >= 0.3f).ToList();
        string best = "";
        double bestLog = Math.Log(MinCodeProbability) * letters.Count;
        foreach (var (code, region) in s_codes)
        {
            if (code.Length != letters.Count) continue;
            double log = 0;
            for (int i = 0; i < code.Length; i++) log += Math.Log(Math.Max(letters[i].Alnum[Alphabet.IndexOf(code[i])], 1e-6f));
            if (log > bestLog) (best, bestLog) = (region, log);
        }
        return best.Length == 0 ? ("", 0) : (best, Math.Exp(bestLog / letters.Count));
    }

    /// <summary>
    /// Geometric mean probability per letter below which a band's read names no code. On the synthetic European set
    /// the right codes came at 0.14 and above (0.92 and above for most), the wrong ones at 0.13 and below: a read
    /// that needs a letter the recognizer gave less than one chance in seven is rather some other code half-read
    /// ("R" for RO, "0" for the ring of stars above I).
    /// </summary>
    private const double MinCodeProbability = 0.15;

    /// <summary>The region a band's code names, or "" when it names none the formats know.</summary>
    public static string Region(string code) => s_codes.GetValueOrDefault(code, "");
}
