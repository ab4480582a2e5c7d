using Platewatch.Recognition.Formats;
using Platewatch.Recognition.Ocr;
using Platewatch.Recognition.Plates;

namespace Platewatch.Recognition.Tests;

public sealed class FormatTests
{
    /// <summary>A read as a confident reader gives it: the read character near certain, a little left for others.</summary>
    private static List<CharRead> Read(string text, float conf = 0.95f) => text.Select((c, i) =>
    {
        var dist = new float[Alphabet.Chars.Length];
        int k = Alphabet.IndexOf(c);
        dist[k] = conf;
        for (int j = 0; j < dist.Length; j++) if (j != k) dist[j] = (1 - conf) / (dist.Length - 1);
        return new CharRead(c, conf, dist, (i + 0.5f) / text.Length);
    }).ToList();

    [Theory]
    [InlineData("AY09034", "br", "AYO9034", 0.95f)]   // O read as zero where Brazil has a letter
    [InlineData("A8C1234", "br", "ABC1234", 0.95f)]   // B read as 8: Brazilian plates all follow the formats
    [InlineData("7A8C123", "us-ca", "7ABC123", 0.7f)] // an unsure 8 where California has a letter
    [InlineData("7AB0123", "us-ca", "7ABO123", 0.95f)] // zero and O look alike however sure the reader is
    [InlineData("EX4S6KL", "it", "EX456KL", 0.95f)]   // S read as 5 where Italy has a digit
    [InlineData("AB12JCD", "fr", "AB123CD", 0.95f)]   // J read for 3 is not a look-alike: no change beyond format
    public void Format_fixes_look_alike_characters(string read, string region, string expected, float conf)
    {
        var reader = new PlateReader(PlateFormats.Default);
        var hyp = reader.Read(Read(read, conf), read, PlateRecognizer.AllowRegion([region]), 10);
        Assert.NotNull(hyp);
        if (expected == "AB123CD") Assert.NotEqual(expected, hyp.Text);
        else Assert.Equal(expected, hyp.Text);
    }

    [Theory]
    [InlineData("5977144", "us-il")] // a 9 read with certainty is not turned into the G of a letter slot
    [InlineData("2C058", "us")]      // nor a C into a zero: special and vanity plates are common in the US
    public void In_open_regions_a_format_does_not_overrule_a_confident_visibly_different_character(string read, string region)
    {
        var hyp = new PlateReader(PlateFormats.Default).Read(Read(read, 0.99f), read, PlateRecognizer.AllowRegion([region]), 10);
        Assert.NotNull(hyp);
        Assert.Equal(read, hyp.Text);
    }

    [Fact]
    public void Open_regions_are_read_from_the_format_files()
    {
        var f = PlateFormats.FromText("!open xx-*\nxx-a @@###\nyy ###");
        Assert.True(f.IsOpen("xx-a"));
        Assert.False(f.IsOpen("yy"));
        Assert.True(PlateFormats.Default.IsOpen("us-ca"));
        Assert.False(PlateFormats.Default.IsOpen("br"));
    }

    [Fact]
    public void County_numbers_left_of_an_emblem_are_read_from_the_format_files()
    {
        var f = PlateFormats.FromText("!county-left xx\nxx #{1,2}~#{2,5}\nyy ###");
        Assert.True(f.HasCountyLeft("xx"));
        Assert.False(f.HasCountyLeft("yy"));
        Assert.True(PlateFormats.Default.HasCountyLeft("us-wy"));
        Assert.False(PlateFormats.Default.HasCountyLeft("us-wa"));
    }

    [Theory]
    [InlineData(true, "BVN0669")]   // Georgia named on the plate: its peach sits between the groups
    [InlineData(false, "BVNC0669")] // otherwise a confident C is a character of a plate outside the formats
    public void A_confident_character_where_the_named_states_emblem_sits_is_the_emblem(bool named, string expected)
    {
        var hyp = new PlateReader(PlateFormats.Default).Read(Read("BVNC0669", 0.97f), "BVNC0669", r => r == "us-ga", 5, emblemExpected: named);
        Assert.NotNull(hyp);
        Assert.Equal(expected, hyp.Text);
    }

    [Fact]
    public void Zero_for_o_is_read_from_the_format_files()
    {
        var f = PlateFormats.FromText("!zero-for-o xx xx-*\nxx-a @@###\nyy ###");
        Assert.True(f.ZeroForO("xx"));
        Assert.True(f.ZeroForO("xx-a"));
        Assert.False(f.ZeroForO("yy"));
        Assert.True(f.AllZeroForO(PlateRecognizer.AllowRegion(["xx"])));
        Assert.False(f.AllZeroForO(null));
        Assert.True(PlateFormats.Default.ZeroForO("us-ca"));
        Assert.False(PlateFormats.Default.ZeroForO("br"));
        Assert.False(PlateFormats.Default.ZeroForO("de"));
    }

    [Theory]
    [InlineData("COUGAR", "us", "C0UGAR")]   // a vanity word: its O is written as zero
    [InlineData("COUGAR", "", "C0UGAR")]     // no state named, but the hint allows only zero-for-o regions
    [InlineData("WHO515", "us-ct", "WH0515")] // fits other states' formats, but none of the state on the plate
    [InlineData("OJW695", "us-ne", "OJW695")] // fits its state's format, whose letter slot settles the O
    [InlineData("6O23411", "us-il", "6023411")] // fits a format, but an O between digits is a zero
    [InlineData("COUGAR", "de", "COUGAR")]   // Europe keeps the reader's letter
    public void Reads_outside_the_formats_of_zero_for_o_regions_write_O_as_zero(string read, string region, string expected)
    {
        var allow = PlateRecognizer.AllowRegion([region.Length == 0 ? "us" : region.Split('-')[0]]);
        var reader = new PlateReader(PlateFormats.Default);
        var hyp = reader.Read(Read(read, 0.99f), read, allow, 5);
        Assert.NotNull(hyp);
        var zero = reader.ZeroForO(hyp, region, allow);
        Assert.Equal(expected, zero.Text);
        Assert.Equal(expected, zero.Candidates[0].Text);
        // The reader's own spelling is kept among the candidates.
        Assert.Contains(zero.Candidates, c => c.Text == read);
    }

    [Fact]
    public void Italian_format_excludes_letters_Italy_never_issues()
    {
        var f = PlateFormats.Default;
        Assert.True(f.Matches("EX456KL", r => r == "it"));
        Assert.False(f.Matches("EO456KL", r => r == "it"));
    }

    [Fact]
    public void A_stray_weak_edge_character_is_dropped_to_fit_a_format()
    {
        var chars = Read("IAB123CD");
        var weak = new float[Alphabet.Chars.Length];
        weak[Alphabet.IndexOf('I')] = 0.55f;
        weak[Alphabet.IndexOf('1')] = 0.3f;
        chars[0] = new CharRead('I', 0.55f, weak, chars[0].X);
        var hyp = new PlateReader(PlateFormats.Default).Read(chars, "IAB123CD", PlateRecognizer.AllowRegion(["eu"]), 10);
        Assert.NotNull(hyp);
        Assert.Equal("AB123CD", hyp.Text);
    }

    [Theory]
    [InlineData("12:34:56")]
    [InlineData("2024/01/31 08:15")]
    [InlineData("Speed limit")]
    public void Timestamps_and_words_are_not_plates(string raw) => Assert.True(PlateReader.LooksLikeNonPlate(raw));

    [Theory]
    [InlineData("ABC-1234")]
    [InlineData("7ABC123")]
    public void Plates_are_not_rejected_as_text(string raw) => Assert.False(PlateReader.LooksLikeNonPlate(raw));

    [Theory]
    [InlineData("NORTH CAROLINA", "us-nc")]
    [InlineData("Famous Potatoes", "us-id")]
    [InlineData("CALIFORN1A", "us-ca")]
    [InlineData("Land of Lincoln", "us-il")]
    [InlineData("lowA", "us-ia")]        // a capital I read as a small l
    [InlineData("lllinois", "us-il")]
    [InlineData("Maryland", "us-md")]    // a real small l stays one
    public void State_names_and_slogans_identify_the_state(string line, string region)
    {
        var m = RegionNames.Default.Match(line);
        Assert.NotNull(m);
        Assert.Equal(region, m.Value.Region);
    }

    [Fact]
    public void Every_format_file_parses_with_regions() =>
        Assert.Contains("us-ca", PlateFormats.Default.Regions);

    [Fact]
    public void Bad_pattern_is_reported_with_its_line() =>
        Assert.Contains("x:2", Assert.Throws<FormatException>(() => PlateFormats.Parse("# c\nzz @@%#\n", "x").ToList()).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("SAMPLE")]  // fits a six-character format only by turning the confident L into a 1
    [InlineData("XSTASY")]  // ... or the second S into a 5
    public void A_confident_read_without_digits_stays_a_word_rather_than_forced_into_a_format(string word)
    {
        var hyp = new PlateReader(PlateFormats.Default).Read(Read(word, 0.98f), word, PlateRecognizer.AllowRegion(["us"]), 5);
        Assert.NotNull(hyp);
        Assert.Equal(word, hyp.Text);
    }

    [Fact]
    public void A_read_fitting_a_broad_and_a_narrow_format_belongs_rather_to_the_narrow_ones_region()
    {
        // Austria's format fits most short European serials; Italy's, with its restricted letters, few.
        var f = PlateFormats.FromText("wide @{1,2}#{2,5}@{1,2} @{1,2}#{3,6}\nnarrow [A-HJ-NPR-TV-Z]{2}###[A-HJ-NPR-TV-Z]{2}");
        var regions = f.RegionsMatching("EX456KL");
        Assert.Equal(["narrow", "wide"], regions.Select(r => r.Region));
        Assert.True(regions[0].Share > 0.9, $"share {regions[0].Share}");
        Assert.Equal("it", PlateFormats.Default.RegionsMatching("EX456KL", PlateRecognizer.AllowRegion(["eu"]))[0].Region);
        Assert.Equal(["wide"], f.RegionsMatching("A12B").Select(r => r.Region));
    }

    [Theory]
    [InlineData(3, "1JJQ290")] // the J held over three steps, where the others took one: two J's written as one
    [InlineData(1, "")]        // held as briefly as the others: one J, and no Belgian format fits two
    public void A_character_held_over_steps_enough_for_two_may_be_two_where_a_format_wants_them(int steps, string expected)
    {
        var chars = Read("1JQ290", 0.97f).Select((c, i) => i == 1 ? new CharRead(c.Best, c.Confidence, c.Alnum, c.X, steps) : c).ToList();
        var hyp = new PlateReader(PlateFormats.Default).Read(chars, "1JQ290", PlateRecognizer.AllowRegion(["be"]), 5);
        Assert.NotNull(hyp);
        if (expected.Length > 0) Assert.Equal(expected, hyp.Text);
        else Assert.DoesNotContain(hyp.Candidates, c => c.Text == "1JJQ290");
    }
}
