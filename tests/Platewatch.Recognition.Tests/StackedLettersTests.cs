using Platewatch.Recognition.Imaging;
using Platewatch.Recognition.Ocr;
using Platewatch.Recognition.Plates;

namespace Platewatch.Recognition.Tests;

public sealed class StackedLettersTests
{
    private const int W = 240, H = 48;

    private static readonly Quad Whole = new(new PointF(0, 0), new PointF(W, 0), new PointF(W, H), new PointF(0, H));

    /// <summary>A 240x48 line of solid "characters" (x0, y0, x1, y1) in ink on a plate.</summary>
    private static RasterImage Line(IEnumerable<(int X0, int Y0, int X1, int Y1)> glyphs, byte ink = 20, byte plate = 235) =>
        InkImages.Solid(W, H, glyphs, ink, plate);

    /// <summary>Four full-height characters from x = 100, 20 wide with 10 between.</summary>
    private static IEnumerable<(int, int, int, int)> Number() => Enumerable.Range(0, 4).Select(i => (100 + 30 * i, 6, 120 + 30 * i, 42));

    /// <summary>Two half-height letters, one over the other, from x to x + 17.</summary>
    private static IEnumerable<(int, int, int, int)> Stack(int x) => [(x, 6, x + 17, 22), (x, 26, x + 17, 42)];

    [Fact]
    public void A_stack_beside_the_number_bounds_it_on_that_side()
    {
        using var image = Line([.. Stack(75), .. Number()]);
        var (left, right) = (StackedLetters.Find(image, Whole).Left, StackedLetters.Find(image, Whole).Right);
        Assert.InRange(left * W, 92, 100);
        Assert.Equal(1, right);
    }

    [Fact]
    public void A_stack_after_the_number_bounds_it_on_the_right()
    {
        using var image = Line([.. Number(), .. Stack(218)]);
        var (left, right) = (StackedLetters.Find(image, Whole).Left, StackedLetters.Find(image, Whole).Right);
        Assert.Equal(0, left);
        Assert.InRange(right * W, 210, 218);
    }

    [Fact]
    public void Light_letters_on_a_dark_plate_are_found_too()
    {
        using var image = Line([.. Stack(75), .. Number()], ink: 235, plate: 30);
        Assert.InRange(StackedLetters.Find(image, Whole).Left * W, 92, 100);
    }

    [Fact]
    public void A_number_alone_has_no_stack()
    {
        using var image = Line(Number());
        Assert.Equal((0f, 1f), (StackedLetters.Find(image, Whole).Left, StackedLetters.Find(image, Whole).Right));
    }

    [Fact]
    public void Small_marks_far_from_the_number_are_an_emblem_not_a_stack()
    {
        using var image = Line([.. Stack(30), .. Number()]);
        Assert.Equal((0f, 1f), (StackedLetters.Find(image, Whole).Left, StackedLetters.Find(image, Whole).Right));
    }

    [Theory]
    [InlineData(0.5f, "7215")]  // a doubted character over a symbol is the symbol
    [InlineData(0.95f, "57215")] // a confident one stays: the ink alone does not overrule the recognizer
    public void A_doubted_character_over_a_symbol_off_the_characters_lines_is_left_out(float confidence, string expected)
    {
        // The wheelchair of a disability plate: as wide as a character, its seat well below the characters' tops.
        using var image = Line([(72, 18, 94, 42), .. Number()]);
        float[] xs = [83, 110, 140, 170, 200];
        var chars = xs.Select((x, i) => new CharRead("57215"[i], i == 0 ? confidence : 0.99f, new float[Alphabet.Chars.Length], x / W)).ToList();
        Assert.Equal(expected, string.Concat(StackedLetters.Without(image, Whole, chars).Select(c => c.Best)));
    }

    [Fact]
    public void The_character_read_over_the_stack_is_left_out()
    {
        using var image = Line([.. Stack(75), .. Number()]);
        float[] xs = [83, 110, 140, 170, 200];
        var chars = xs.Select((x, i) => new CharRead("F7215"[i], 0.9f, new float[Alphabet.Chars.Length], x / W)).ToList();
        Assert.Equal("7215", string.Concat(StackedLetters.Without(image, Whole, chars).Select(c => c.Best)));
    }

    [Theory]
    [InlineData(0.34f, "602013")]  // a doubted character over no character's ink: the emblem between the groups
    [InlineData(0.8f, "6020013")]  // a believed one stays
    public void A_doubted_character_between_the_groups_over_an_emblem_is_left_out(float confidence, string expected)
    {
        // Six characters in two groups of three, and Virginia's seal between them: lower than the characters, round.
        using var image = Line([(20, 6, 38, 42), (45, 6, 63, 42), (70, 6, 88, 42), (100, 12, 130, 40), (145, 6, 163, 42), (170, 6, 188, 42), (195, 6, 213, 42)]);
        float[] xs = [29, 54, 79, 115, 154, 179, 204];
        var chars = xs.Select((x, i) => new CharRead("6020013"[i], i == 3 ? confidence : 0.99f, new float[Alphabet.Chars.Length], x / W)).ToList();
        Assert.Equal(expected, string.Concat(StackedLetters.Without(image, Whole, chars).Select(c => c.Best)));
    }

    [Fact]
    public void A_stack_at_the_end_of_the_last_box_of_a_joined_line_is_left_out()
    {
        // Wyoming: the county number's box, then the serial's box ending in a stack; the joined line spans both.
        using var image = Line([(10, 6, 28, 42), .. Number(), .. Stack(218)]);
        var county = Quad.FromRect(0, 0, 40, H);
        var serial = Quad.FromRect(90, 0, W, H);
        float[] xs = [19, 110, 140, 170, 200, 226];
        var chars = xs.Select((x, i) => new CharRead("37215N"[i], i == 5 ? 0.7f : 0.99f, new float[Alphabet.Chars.Length], x / W)).ToList();

        Assert.Equal("37215", string.Concat(StackedLetters.WithoutEndStacks(image, Whole, [county, serial], chars).Select(c => c.Best)));
        // A sure end character is never looked at.
        var sure = chars.Select(c => new CharRead(c.Best, 0.99f, c.Alnum, c.X)).ToList();
        Assert.Same(sure, StackedLetters.WithoutEndStacks(image, Whole, [county, serial], sure));
    }

    [Fact]
    public void The_emblem_s_character_is_left_out_when_a_neighbour_touches_the_emblem()
    {
        // Oregon's tree, with the next character's ink merged into it.
        using var image = Line([(20, 6, 38, 42), (45, 6, 63, 42), (90, 2, 120, 46), (118, 6, 136, 42), (170, 6, 188, 42), (195, 6, 213, 42)]);
        float[] xs = [29, 54, 103, 127, 179, 204];
        var chars = xs.Select((x, i) => new CharRead("001617"[i], i == 2 ? 0.46f : 0.99f, new float[Alphabet.Chars.Length], x / W)).ToList();
        Assert.Equal("00617", string.Concat(StackedLetters.Without(image, Whole, chars).Select(c => c.Best)));
    }

    [Fact]
    public void A_doubted_character_over_a_character_s_ink_stays()
    {
        using var image = Line([(20, 6, 38, 42), (45, 6, 63, 42), (70, 6, 88, 42), (95, 6, 113, 42), (145, 6, 163, 42), (170, 6, 188, 42)]);
        float[] xs = [29, 54, 79, 104, 154, 179];
        var chars = xs.Select((x, i) => new CharRead("ABC123"[i], i == 3 ? 0.3f : 0.99f, new float[Alphabet.Chars.Length], x / W)).ToList();
        Assert.Equal("ABC123", string.Concat(StackedLetters.Without(image, Whole, chars).Select(c => c.Best)));
    }
}
