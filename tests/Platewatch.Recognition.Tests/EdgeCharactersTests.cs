using Platewatch.Recognition.Imaging;
using Platewatch.Recognition.Plates;

namespace Platewatch.Recognition.Tests;

public sealed class EdgeCharactersTests
{
    private const int W = 480, H = 80;

    /// <summary>A 480x80 plate with solid "characters" (x0, y0, x1, y1) in dark ink.</summary>
    private static RasterImage Plate(IEnumerable<(int X0, int Y0, int X1, int Y1)> glyphs) => InkImages.Solid(W, H, glyphs);

    /// <summary>The detected line: five characters 20 wide, 30 apart, from x = 200, rows 20-56 (a 40-high box from 18).</summary>
    private static readonly Quad Line = Quad.FromRect(196, 18, 344, 58);

    private static IEnumerable<(int, int, int, int)> Number() => Enumerable.Range(0, 5).Select(i => (200 + 30 * i, 20, 220 + 30 * i, 56));

    [Fact]
    public void A_character_set_apart_beside_the_line_is_found_on_each_side()
    {
        // A county letter after a gap on the left, a letter after a dash on the right.
        using var image = Plate([(150, 20, 170, 56), .. Number(), (352, 36, 362, 40), (370, 20, 390, 56)]);

        var (left, right) = EdgeCharacters.Find(image, Line);

        Assert.NotNull(left);
        Assert.NotNull(right);
        var (lx0, _, lx1, _) = left!.Value.Bounds();
        var (rx0, _, rx1, _) = right!.Value.Bounds();
        Assert.InRange(lx0, 140, 150);
        Assert.InRange(lx1, 170, 180);
        Assert.InRange(rx0, 360, 370);
        Assert.InRange(rx1, 390, 400);
    }

    [Fact]
    public void Stacked_letters_bolts_emblems_and_far_text_are_not_characters()
    {
        using var image = Plate([
            (168, 20, 184, 35), (168, 41, 184, 56), // a stacked plate type: two half-height letters
            .. Number(),
            (355, 33, 362, 40),                      // a bolt
            (352, 14, 420, 64),                      // an emblem, wider and taller than a character
        ]);
        Assert.Equal((null, null), EdgeCharacters.Find(image, Line));

        using var far = Plate([(110, 20, 130, 56), .. Number()]); // three and a half characters' widths away: other print
        Assert.Equal((null, null), EdgeCharacters.Find(far, Line));
    }

    [Fact]
    public void A_county_number_beyond_an_emblem_is_found_with_a_wider_gap()
    {
        // Wyoming: the county number, the bronco (taller than the characters), then the serial.
        using var image = Plate([(110, 20, 130, 56), (140, 8, 190, 70), .. Number()]);
        Assert.Null(EdgeCharacters.Find(image, Line).Left);
        var county = EdgeCharacters.Find(image, Line, maxGap: 4.5f).Left;
        Assert.NotNull(county);
        Assert.InRange(county!.Value.Bounds().MinX, 100, 110);
    }
}
