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

        if (IsGrey(image)) return LeadingOnDarkBand(image, line, chars, steps[steps.Length / 2]);
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
    /// The code of a band beside a line the detector left it out of (or cut into): the band is looked for up to a little
    /// more than the line's height to its left (less where the image ends) and a little into the line, as blue columns
    /// beside a plate that is not blue (dark ones beside a bright plate, in an infrared image). The quad returned is
    /// the band's lower part, where its code sits; the code's letters are told by the known codes
    /// (<see cref="RegionOfBand"/>). Null when there is no band.
    /// </summary>
    public static Quad? BandLeftOf(RasterImage image, Quad line)
    {
        if (line.StripLeft(1.2f * line.Height) is not { } strip || strip.Width < 0.6f * line.Height) return null;
        // In an infrared image the band is told by its darkness beside the bright plate instead of its blue.
        bool grey = IsGrey(image);
        float plateLight = grey ? BackgroundLuminance(image, line, 0.25f, 1, 0.75f) : 0;
        if (grey ? plateLight < BrightPlate : Blueness(image, line, 0.25f, 1) >= PlateBlueness) return null;
        // The search reaches 0.6 of the line's height into the line, whose box often cuts into the band.
        float into = MathF.Min(0.5f, 0.6f * line.Height / MathF.Max(1, line.Width));
        var reach = strip with { TopRight = line.At(into, 0), BottomRight = line.At(into, 1) };
        const int bins = 12;
        int right = -1, left = -1;
        for (int i = bins - 1; i >= 0; i--)
        {
            bool blue = grey
                ? BackgroundLuminance(image, reach, (float)i / bins, (i + 1f) / bins, 0.5f) < DarkBand * plateLight
                : Blueness(image, reach, (float)i / bins, (i + 1f) / bins) > BandBlueness + BandContrast;
            if (blue && right < 0) right = left = i;
            else if (blue && left == i + 1) left = i;
            else if (right >= 0 && !blue) break;
        }
        if (right < 0 || (right - left + 1) * reach.Width / bins < 0.25f * line.Height) return null;
        // The code sits in the band's lower part, under the ring of stars, level with the lower half of the number and
        // a little below it: read that part alone, so that its letters fill the recognizer's height.
        float u0 = MathF.Max(0, (left - 0.5f) / bins), u1 = MathF.Min(1, (right + 1.5f) / bins);
        return reach.Part(u0, 0.35f, u1, 1.2f);
    }

    /// <summary>
    /// Where the code of a band inside the line lies: the line's part left of <paramref name="end"/> (0-1 along it),
    /// from its middle to a little below it, for a band whose letters the line's read did not give as a known code.
    /// </summary>
    public static Quad CodeInLine(Quad line, float end) =>
        line.Part(0, 0.35f, end, 1.2f);

    /// <summary>
    /// Infrared cameras, which most ALPR installations use at night and many all day, see no colour: there the band is a
    /// strip much darker than the retroreflective plate beside it, with light letters. Scanned from the line's left end
    /// in narrow columns, the band is the run of dark ones before the first bright one (the white gap before the
    /// number); leading characters within it are the band's, where the plate itself is bright.
    /// </summary>
    private static int LeadingOnDarkBand(RasterImage image, Quad line, IReadOnlyList<CharRead> chars, float step)
    {
        float plateLight = BackgroundLuminance(image, line, 0.3f, 1, 0.75f);
        if (plateLight < BrightPlate || BandEndOnDark(image, line, plateLight) is not float end) return 0;
        // A character's place is the recognizer step where it peaked, a few pixels either side of its middle: a code
        // letter at the band's edge may seem to lie just past it.
        int k = 0;
        while (k < 3 && k < chars.Count - 3 && chars[k].X < end + 0.35f * step) k++;
        return k;
    }

    /// <summary>
    /// Where a dark band at the quad's left end ends (0-1 along it), scanning columns a fortieth of its length wide;
    /// null when the quad does not start on a dark strip between 0.3 and 1.5 of its height wide.
    /// </summary>
    private static float? BandEndOnDark(RasterImage image, Quad q, float plateLight)
    {
        const int bins = 40;
        int first = -1;
        for (int i = 0; i < bins / 3; i++)
        {
            bool dark = BackgroundLuminance(image, q, (float)i / bins, (i + 1f) / bins, 0.5f) < DarkBand * plateLight;
            if (dark && first < 0) first = i;
            else if (!dark && first >= 0)
            {
                float width = (float)(i - first) / bins * q.Width;
                return width >= 0.3f * q.Height && width <= 1.5f * q.Height ? (float)i / bins : null;
            }
            else if (!dark && i >= 2) return null; // the line starts on bright plate: no band inside it
        }
        return null;
    }

    /// <summary>
    /// The plate's background grey level (0-255, its upper quartile: a tight line box is nearly half strokes) at least
    /// this, for a dark band to be told beside it; a band column's median at most this share of it. A rendered band in
    /// grey measures about half the plate's.
    /// </summary>
    private const float BrightPlate = 110, DarkBand = 0.65f;

    /// <summary>
    /// Whether the image has no colour at all (an infrared camera's, or a greyscale file): under one sampled pixel in a
    /// hundred has channels more than 6 apart. A colour photo of a grey scene still has chroma noise, and the number's
    /// own line is black on white either way, so the whole frame is sampled, not the line.
    /// </summary>
    internal static bool IsGrey(RasterImage image)
    {
        const int grid = 24;
        int coloured = 0;
        var px = image.Pixels;
        for (int j = 0; j < grid; j++)
        {
            int y = (int)((j + 0.5f) * image.Height / grid);
            for (int i = 0; i < grid; i++)
            {
                int x = (int)((i + 0.5f) * image.Width / grid);
                int o = (y * image.Width + x) * 4; // BGRA
                int b = px[o], g = px[o + 1], r = px[o + 2];
                if (Math.Max(Math.Max(r, g), b) - Math.Min(Math.Min(r, g), b) > 6) coloured++;
            }
        }
        return coloured * 100 < grid * grid;
    }

    /// <summary>
    /// A quantile of the grey levels over a column band of the quad (x from 0 to 1). The median is the background's
    /// level wherever strokes cover less than half of the column: the plate's white beside a narrow column of a
    /// character, the band's dark around its code's letters.
    /// </summary>
    private static float BackgroundLuminance(RasterImage image, Quad q, float x0, float x1, float quantile)
    {
        const int nx = 5, ny = 9;
        Span<float> values = stackalloc float[nx * ny];
        int n = 0;
        var px = image.Pixels;
        for (int j = 0; j < ny; j++)
        {
            for (int i = 0; i < nx; i++)
            {
                var (x, y) = Sample(q, Math.Clamp(x0 + (x1 - x0) * i / (nx - 1), 0, 1), 0.05f + 0.9f * j / (ny - 1));
                if ((uint)x >= (uint)image.Width || (uint)y >= (uint)image.Height) continue;
                int o = (y * image.Width + x) * 4; // BGRA
                values[n++] = 0.299f * px[o + 2] + 0.587f * px[o + 1] + 0.114f * px[o];
            }
        }
        if (n == 0) return 0;
        values[..n].Sort();
        return values[Math.Min(n - 1, (int)(n * quantile))];
    }

    /// <summary>Mean blue minus the larger of mean red and green, over a column band of the line (x from 0 to 1).</summary>
    private static float Blueness(RasterImage image, Quad q, float x0, float x1)
    {
        var (r, g, b, n) = Sums(image, q, x0, x1);
        return n == 0 ? 0 : (b - (float)Math.Max(r, g)) / n;
    }

    /// <summary>Sums of red, green and blue over a 4 x 7 grid of a column band of the line (x from 0 to 1), and the count.</summary>
    private static (long R, long G, long B, int N) Sums(RasterImage image, Quad q, float x0, float x1)
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
                var (x, y) = Sample(q, u, v);
                if ((uint)x >= (uint)image.Width || (uint)y >= (uint)image.Height) continue;
                int o = (y * image.Width + x) * 4; // BGRA
                b += px[o];
                g += px[o + 1];
                r += px[o + 2];
                n++;
            }
        }
        return (r, g, b, n);
    }

    /// <summary>The pixel at (u, v) of the quad, bilinearly.</summary>
    private static (int X, int Y) Sample(Quad q, float u, float v)
    {
        var p = q.At(u, v);
        return ((int)p.X, (int)p.Y);
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
