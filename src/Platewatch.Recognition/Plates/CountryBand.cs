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
    /// letters are told from a plate character's by the known codes (<see cref="RegionOfCode"/>).
    /// </summary>
    public static Quad? BandLeftOf(RasterImage image, Quad line)
    {
        if (line.StripLeft(1.2f * line.Height) is not { } band || band.Width < 0.6f * line.Height) return null;
        // The band is narrower than the reach, and a strip of white plate parts it from the number.
        float blue = 0;
        for (int i = 0; i < 5; i++) blue = MathF.Max(blue, Blueness(image, band, i / 5f, (i + 1) / 5f));
        if (blue <= BandBlueness + BandContrast || Blueness(image, line, 0.25f, 1) >= PlateBlueness) return null;
        float ix = (band.TopRight.X - band.TopLeft.X) / 4, iy = (band.TopRight.Y - band.TopLeft.Y) / 4;
        return band with { TopRight = new PointF(line.TopLeft.X + ix, line.TopLeft.Y + iy), BottomRight = new PointF(line.BottomLeft.X + ix, line.BottomLeft.Y + iy) };
    }

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
    /// The band's code from its read: a band holds only letters, so each character is the likeliest letter at its place
    /// (a "5" there is an S). The stars above the code read as nothing or as weak noise, which is dropped.
    /// </summary>
    public static string Code(IReadOnlyList<CharRead> chars)
    {
        var code = new System.Text.StringBuilder(3);
        foreach (var c in chars)
        {
            int best = 10; // the first letter
            for (int k = 11; k < c.Alnum.Length; k++)
            {
                if (c.Alnum[k] > c.Alnum[best]) best = k;
            }
            if (c.Confidence >= 0.3f && c.Alnum[best] >= 0.01f) code.Append(Alphabet.Chars[best]);
        }
        return code.ToString();
    }

    /// <summary>The region named by the longest known code the read starts with ("PA": a P band and the plate's A).</summary>
    public static string RegionOfCode(string read)
    {
        for (int n = Math.Min(3, read.Length); n > 0; n--)
        {
            if (Region(read[..n]) is { Length: > 0 } r) return r;
        }
        return "";
    }

    /// <summary>The region a band's code names, or "" when it names none the formats know.</summary>
    public static string Region(string code) => s_codes.GetValueOrDefault(code, "");
}
