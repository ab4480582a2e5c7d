using Platewatch.Rendering;

namespace Platewatch.Recognition.Tests;

public sealed class GoldenTests(RecognizerFixture fx)
{
    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var g in GoldenPlates.All) data.Add(g.File, g.Expected, g.Region);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Committed_golden_plate_reads_exactly(string file, string expected, string region)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", file));
        var result = fx.Recognizer.Recognize(bytes, new RecognitionHints { ExpectedRegions = [region] }, TestContext.Current.CancellationToken);
        Assert.NotEmpty(result.Plates);
        Assert.Equal(expected, result.Plates[0].Text);
        Assert.Equal(expected.Length, result.Plates[0].CharacterConfidences.Length);
        Assert.Equal(4, result.Plates[0].Corners.Length);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Golden_plate_reads_without_region_hint(string file, string expected, string region)
    {
        _ = region;
        byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", file));
        var result = fx.Recognizer.Recognize(bytes, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains(result.Plates, p => p.Candidates.Any(c => c.Text == expected));
    }

    [Fact]
    public void Freshly_rendered_plates_read_exactly()
    {
        var specs = new[]
        {
            new PlateSpec { Text = "5XYZ789", TopText = "CALIFORNIA", Width = 190, Blur = 0.8f, Noise = 10, JpegQuality = 50, Seed = 3 },
            new PlateSpec { Text = "GX 512 PT", Style = PlateStyle.European, TopText = "F", Width = 220, Perspective = 0.08f, Seed = 4 },
            new PlateSpec { Text = "QPR-4410", Style = PlateStyle.BrazilGrey, TopText = "RJ RIO DE JANEIRO", Width = 200, Contrast = 0.5f, Seed = 5 },
        };
        string[] regions = ["us", "eu", "br"];
        for (int i = 0; i < specs.Length; i++)
        {
            byte[] img = fx.Renderer.RenderEncoded(specs[i]);
            var r = fx.Recognizer.Recognize(img, new RecognitionHints { ExpectedRegions = [regions[i]] }, TestContext.Current.CancellationToken);
            Assert.NotEmpty(r.Plates);
            Assert.Equal(Platewatch.Recognition.Evaluation.Datasets.NormalizePlate(specs[i].Text), r.Plates[0].Text);
        }
    }

    [Fact]
    public void Plate_type_letters_stacked_beside_the_number_stay_out_of_it()
    {
        // The stock recognizer passes over this font's stack on its own; real plates' stacks it reads as a character,
        // which StackedLetters drops (see StackedLettersTests). This guards the whole path against reading the stack.
        var plate = ReadUs(new PlateSpec { Text = "72LY", StackedLetters = "RT", TopText = "MASSACHUSETTS", Width = 260, Noise = 6, Seed = 21 });
        Assert.Equal("72LY", plate.Text);
    }

    [Fact]
    public void A_sticker_beside_a_number_of_short_words_is_small_print()
    {
        // Neither word is wide enough on its own to frame the plate around the sticker; together they are. Outside
        // every Indiana format, the vanity plate's O is written as zero.
        var plate = ReadUs(new PlateSpec { Text = "BE   GODS", Sticker = "04-30", TopText = "INDIANA", Width = 260, Noise = 6, Seed = 22 });
        Assert.Equal("BEG0DS", plate.Text);
        Assert.Contains(plate.Candidates, c => c.Text == "BEGODS");
    }

    [Fact]
    public void A_state_name_split_into_words_names_the_state_of_both_words()
    {
        // "Virginia" alone names Virginia; the detector boxes the two words apart.
        Assert.Equal("us-wv", ReadUs(new PlateSpec { Text = "5XK 218", TopText = "WEST   VIRGINIA", Width = 260, Noise = 6, Seed = 23 }).Region);
    }

    /// <summary>The first plate read from the rendered spec with a US hint.</summary>
    private PlateResult ReadUs(PlateSpec spec)
    {
        var r = fx.Recognizer.Recognize(fx.Renderer.RenderEncoded(spec), new RecognitionHints { ExpectedRegions = ["us"] }, TestContext.Current.CancellationToken);
        Assert.NotEmpty(r.Plates);
        return r.Plates[0];
    }

    // Italy's lone I reads as nothing on the band: Italy's restricted letters name the country there.
    [Theory]
    [InlineData("D", "M AB 1234", "de")]
    [InlineData("F", "AB-123-CD", "fr")]
    [InlineData("I", "EX 456 KL", "it")]
    [InlineData("E", "1234 BCD", "es")]
    [InlineData("NL", "52-XLR-9", "nl")]
    [InlineData("PL", "WA 12345", "pl")]
    [InlineData("CZ", "1A2 3456", "cz")]
    [InlineData("A", "G 123 AB", "at")]
    [InlineData("B", "1-ABC-234", "be")]
    [InlineData("S", "ABC 123", "se")]
    [InlineData("P", "AB-12-CD", "pt")]
    [InlineData("RO", "B 123 ABC", "ro")]
    [InlineData("H", "ABC-123", "hu")]
    [InlineData("SK", "BA 123 AB", "sk")]
    [InlineData("DK", "AB 12 345", "dk")]
    public void The_country_band_names_the_country_and_stays_out_of_the_number(string band, string text, string region)
    {
        var spec = new PlateSpec { Text = text, Style = PlateStyle.European, TopText = band, Width = 200, Noise = 8, Contrast = 0.7f, Perspective = 0.05f, Rotation = 2, Seed = 11 };
        var r = fx.Recognizer.Recognize(fx.Renderer.RenderEncoded(spec), new RecognitionHints { ExpectedRegions = ["eu"] }, TestContext.Current.CancellationToken);
        Assert.NotEmpty(r.Plates);
        Assert.Equal(Platewatch.Recognition.Evaluation.Datasets.NormalizePlate(text), r.Plates[0].Text);
        Assert.Equal(region, r.Plates[0].Region);
    }

    // Each number fits another country's formats too (BA123AB is also French and Italian, DC41843 Danish, U001LBM
    // Romanian): the band decides, and a surely read band re-reads the number with its country's formats.
    [Theory]
    [InlineData("SK", "BA 123 CD", "sk")]
    [InlineData("PL", "DC 41843", "pl")]
    [InlineData("GB", "UO01 LBM", "gb")]
    public void The_country_band_decides_between_countries_whose_formats_the_number_fits(string band, string text, string region)
    {
        var spec = new PlateSpec { Text = text, Style = PlateStyle.European, TopText = band, Width = 220, Noise = 6, Perspective = 0.04f, Seed = 12 };
        var r = fx.Recognizer.Recognize(fx.Renderer.RenderEncoded(spec), new RecognitionHints { ExpectedRegions = ["eu"] }, TestContext.Current.CancellationToken);
        Assert.NotEmpty(r.Plates);
        Assert.Equal(region, r.Plates[0].Region);
        Assert.Equal(Platewatch.Recognition.Evaluation.Datasets.NormalizePlate(text), r.Plates[0].Text);
    }

    // Light characters on a dark plate (California's black plates) and dark ones on yellow (rear plates in the UK and
    // the Netherlands) read as the usual dark-on-white.
    [Theory]
    [InlineData("8KLM204", "CALIFORNIA", 0x101014, 0xF0F0F0, "us", "us-ca")]
    [InlineData("52-XLR-9", "NL", 0xF5C800, 0x0F0F0F, "eu", "nl")]
    [InlineData("BD51 SMR", "GB", 0xF5C800, 0x0F0F0F, "eu", "gb")]
    public void Plates_of_other_colours_read_alike(string text, string top, int background, int ink, string hint, string region)
    {
        var style = hint == "us" ? PlateStyle.UnitedStates : PlateStyle.European;
        var spec = new PlateSpec { Text = text, Style = style, TopText = top, Background = background, Ink = ink, Width = 230, Noise = 6, Perspective = 0.04f, Seed = 13 };
        var r = fx.Recognizer.Recognize(fx.Renderer.RenderEncoded(spec), new RecognitionHints { ExpectedRegions = [hint] }, TestContext.Current.CancellationToken);
        Assert.NotEmpty(r.Plates);
        Assert.Equal(Platewatch.Recognition.Evaluation.Datasets.NormalizePlate(text), r.Plates[0].Text);
        Assert.Equal(region, r.Plates[0].Region);
    }

    // The printed state rules out other states' formats: a read that fits only theirs gives way to the best read under
    // the printed state's, unless that one turns a 1 or 0 into I or O.
    [Theory]
    [InlineData("017M149", "MARYLAND")]
    [InlineData("JX1000", "COLORADO")]
    public void The_printed_state_rules_out_other_states_formats(string text, string state)
    {
        var plate = ReadUs(new PlateSpec { Text = text, TopText = state, Width = 260, Noise = 6, Seed = 24 });
        Assert.Equal(text, plate.Text);
    }

    // An infrared camera sees no blue: the band is a dark strip with light letters, and still no part of the number.
    [Theory]
    [InlineData("PL", "DC 41843", "pl")]
    [InlineData("SK", "BA 123 CD", "sk")]
    [InlineData("D", "M AB 1234", "de")]
    public void On_an_infrared_image_the_dark_band_names_the_country_and_stays_out_of_the_number(string band, string text, string region)
    {
        var spec = new PlateSpec { Text = text, Style = PlateStyle.European, TopText = band, Width = 220, Noise = 6, Perspective = 0.04f, Seed = 14, Infrared = true };
        var r = fx.Recognizer.Recognize(fx.Renderer.RenderEncoded(spec), new RecognitionHints { ExpectedRegions = ["eu"] }, TestContext.Current.CancellationToken);
        Assert.NotEmpty(r.Plates);
        Assert.Equal(Platewatch.Recognition.Evaluation.Datasets.NormalizePlate(text), r.Plates[0].Text);
        Assert.Equal(region, r.Plates[0].Region);
    }

    [Fact]
    public void Regenerate_golden_images()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("PLATEWATCH_REGENERATE_GOLDEN") == "1", "Set PLATEWATCH_REGENERATE_GOLDEN=1 to rewrite the committed golden images.");
        string dir = GoldenPlates.Directory();
        System.IO.Directory.CreateDirectory(dir);
        foreach (var g in GoldenPlates.All)
        {
            var spec = g.File.EndsWith(".jpg", StringComparison.Ordinal) && g.Spec.JpegQuality == 0 ? g.Spec with { JpegQuality = 90 } : g.Spec;
            File.WriteAllBytes(Path.Combine(dir, g.File), fx.Renderer.RenderEncoded(spec));
        }
    }
}
