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
}
