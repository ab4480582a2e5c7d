using Platewatch.Recognition.Imaging;
using Platewatch.Recognition.Ocr;
using Platewatch.Recognition.Plates;

namespace Platewatch.Recognition.Tests;

public sealed class CountryBandTests
{
    /// <summary>A 200x40 line: the first <paramref name="bandWidth"/> pixels in <paramref name="band"/>, the rest in <paramref name="plate"/> (BGR).</summary>
    private static RasterImage Line(int bandWidth, (byte B, byte G, byte R) band, (byte B, byte G, byte R) plate)
    {
        var image = new RasterImage(200, 40);
        var p = image.Pixels;
        for (int y = 0; y < 40; y++)
        {
            for (int x = 0; x < 200; x++)
            {
                var c = x < bandWidth ? band : plate;
                int o = (y * 200 + x) * 4;
                (p[o], p[o + 1], p[o + 2], p[o + 3]) = (c.B, c.G, c.R, 255);
            }
        }
        return image;
    }

    private static readonly Quad Whole = new(new PointF(0, 0), new PointF(200, 0), new PointF(200, 40), new PointF(0, 40));

    private static List<CharRead> Chars(int n) =>
        [.. Enumerable.Range(0, n).Select(i => new CharRead('A', 0.9f, new float[Alphabet.Chars.Length], (i + 0.5f) / n))];

    private static readonly (byte, byte, byte) EuBlue = (153, 51, 0), White = (240, 240, 240), Sky = (235, 206, 135);

    [Fact]
    public void The_first_character_on_a_blue_band_beside_a_white_plate_is_the_band() =>
        Assert.Equal(1, CountryBand.LeadingOnBand(Line(28, EuBlue, White), Whole, Chars(7)));

    [Fact]
    public void A_white_plate_has_no_band() =>
        Assert.Equal(0, CountryBand.LeadingOnBand(Line(0, EuBlue, White), Whole, Chars(7)));

    [Fact]
    public void A_plate_on_blue_sky_has_no_band() =>
        Assert.Equal(0, CountryBand.LeadingOnBand(Line(28, EuBlue, Sky), Whole, Chars(7)));

    [Theory]
    [InlineData("D", "de")]
    [InlineData("PL", "pl")]
    [InlineData("GB", "gb")]
    [InlineData("Q", "")]
    public void Band_codes_name_countries(string code, string region) => Assert.Equal(region, CountryBand.Region(code));

    /// <summary>A band letter read as <paramref name="best"/>, with the given probabilities for other letters.</summary>
    private static CharRead Letter(char best, float conf, params (char C, float P)[] others)
    {
        var dist = new float[Alphabet.Chars.Length];
        dist[Alphabet.IndexOf(best)] = conf;
        foreach (var (c, p) in others) dist[Alphabet.IndexOf(c)] = p;
        return new CharRead(best, conf, dist, 0.5f);
    }

    [Fact]
    public void A_band_letter_misread_still_names_the_code_it_likely_is()
    {
        // GB with its B taken for an E, DK with its K taken for an I: the band holds known codes only.
        Assert.Equal("gb", CountryBand.RegionOfBand([Letter('G', 0.95f), Letter('E', 0.6f, ('B', 0.3f))]).Region);
        Assert.Equal("dk", CountryBand.RegionOfBand([Letter('D', 0.95f), Letter('I', 0.6f, ('K', 0.2f))]).Region);
        Assert.Equal("de", CountryBand.RegionOfBand([Letter('D', 0.98f)]).Region);
    }

    [Fact]
    public void A_band_read_that_needs_an_unlikely_letter_names_no_country()
    {
        // RO with its O lost reads "R", which names no country: P, one stroke away, got almost nothing.
        Assert.Equal("", CountryBand.RegionOfBand([Letter('R', 0.9f, ('P', 0.01f))]).Region);
        Assert.Equal("", CountryBand.RegionOfBand([Letter('C', 0.9f), Letter('A', 0.5f, ('Z', 0.01f), ('H', 0.01f))]).Region);
        Assert.Equal("", CountryBand.RegionOfBand([]).Region);
    }
}
