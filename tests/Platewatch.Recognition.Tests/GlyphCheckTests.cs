using Platewatch.Recognition.Formats;
using Platewatch.Recognition.Imaging;
using Platewatch.Recognition.Ocr;
using Platewatch.Recognition.Plates;

namespace Platewatch.Recognition.Tests;

public sealed class GlyphCheckTests
{
    private const int W = 240, H = 48;

    private static readonly Quad Whole = new(new PointF(0, 0), new PointF(W, 0), new PointF(W, H), new PointF(0, H));

    /// <summary>A read with one confidence per character; the rest of each character's probability spread evenly.</summary>
    private static List<CharRead> Read(string text, params float[] conf) => text.Select((c, i) =>
    {
        float p = conf.Length == 0 ? 0.95f : conf[Math.Min(i, conf.Length - 1)];
        var dist = new float[Alphabet.Chars.Length];
        int k = Alphabet.IndexOf(c);
        for (int j = 0; j < dist.Length; j++) dist[j] = (1 - p) / (dist.Length - 1);
        dist[k] = p;
        return new CharRead(c, p, dist, (i + 0.5f) / text.Length);
    }).ToList();

    private static LineRead Alone(char c, float conf) => new(Read(c.ToString(), conf), c.ToString(), conf);

    [Theory]
    [InlineData("FS0769", 2, 'Q', "FSQ769")] // a Q's tail the line read smoothed over
    [InlineData("942FOL", 4, 'Q', "942FQL")]
    [InlineData("BBG508", 5, 'B', "BBG50B")] // a B's flat side
    public void A_doubted_O_0_or_8_that_reads_Q_or_B_alone_becomes_it(string line, int at, char alone, string expected)
    {
        var chars = Read(line, 0.6f);
        var result = GlyphCheck.Apply(chars, [at], [Alone(alone, 0.9f)]);

        Assert.Equal(expected, string.Concat(result.Select(c => c.Best)));
        // The two characters' probabilities swap: the line's reading stays among the alternatives for the formats.
        int from = Alphabet.IndexOf(line[at]), to = Alphabet.IndexOf(alone);
        Assert.Equal(0.6f, result[at].Confidence);
        Assert.Equal((chars[at].Alnum[to], chars[at].Alnum[from]), (result[at].Alnum[from], result[at].Alnum[to]));
    }

    [Theory]
    [InlineData("FSQ769", 2, '0', 0.9f)] // the other direction is as often wrong as right: never taken
    [InlineData("BBG50B", 5, '8', 0.9f)]
    [InlineData("FS0769", 2, 'D', 0.9f)] // only Q for a round character
    [InlineData("FS0769", 2, 'Q', 0.4f)] // an unsure glyph read changes nothing
    public void Other_glyph_reads_change_nothing(string line, int at, char alone, float conf)
    {
        var chars = Read(line, 0.6f);
        Assert.Same(chars, GlyphCheck.Apply(chars, [at], [Alone(alone, conf)]));
    }

    [Fact]
    public void A_glyph_that_reads_as_two_characters_or_was_not_read_changes_nothing()
    {
        var chars = Read("FS0769", 0.6f);
        var two = new LineRead(Read("QL", 0.9f), "QL", 0.9f);
        Assert.Same(chars, GlyphCheck.Apply(chars, [2, 3], [two, null]));
    }

    [Fact]
    public void Only_doubted_O_0_and_8_where_a_format_may_hold_Q_or_B_get_a_second_look()
    {
        // Open regions (vanity plates) may hold anything anywhere.
        var open = PlateFormats.FromText("!open us-*\nus-xx @@@###");
        Assert.Equal([2, 5], GlyphCheck.Doubtful(Read("FS0768", 0.95f, 0.95f, 0.6f, 0.99f, 0.99f, 0.6f), open, null));
        Assert.Empty(GlyphCheck.Doubtful(Read("FS0768", 0.97f), open, null)); // sure characters are left alone

        // A strict region's digit slots cannot hold a Q or a B.
        var strict = PlateFormats.FromText("br @@@#### @@@#@##");
        Assert.Equal([0, 4], GlyphCheck.Doubtful(Read("OUQ8810", 0.6f), strict, null));
    }

    /// <summary>A 240x48 line of solid "characters" (x0, y0, x1, y1) in dark ink on a light plate.</summary>
    private static RasterImage Line(IEnumerable<(int X0, int Y0, int X1, int Y1)> glyphs) => InkImages.Solid(W, H, glyphs);

    [Fact]
    public void Each_doubted_glyph_is_cut_out_around_its_own_ink_and_touching_ink_is_not()
    {
        // Six characters 20 wide from x = 30, 10 apart; the fifth and sixth touch.
        var glyphs = new List<(int, int, int, int)> { (30, 6, 50, 42), (60, 6, 80, 42), (90, 6, 110, 42), (120, 6, 140, 42), (150, 6, 171, 42), (170, 6, 190, 42) };
        using var image = Line(glyphs);
        float[] centres = [40, 70, 100, 130, 160, 180];
        var chars = Read("AB0CD8", 0.6f).Select((c, i) => new CharRead(c.Best, c.Confidence, c.Alnum, centres[i] / W)).ToList();

        var quads = GlyphCheck.Locate(image, Whole, chars, [2, 5]);

        Assert.NotNull(quads[0]);
        var (x0, y0, x1, y1) = quads[0]!.Value.Bounds();
        Assert.InRange(x0, 82, 90);   // the ink from 90, with a margin of a quarter of its width
        Assert.InRange(x1, 110, 118);
        Assert.True(y0 <= 6 && y1 >= 42, $"the cut-out ({y0:F0}-{y1:F0}) holds the glyph's full height");
        Assert.Null(quads[1]);        // "8" shares its blob with its neighbour
    }
}
