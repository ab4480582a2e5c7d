using Platewatch.Plates;

namespace Platewatch.Core.Tests;

public sealed class PlateTextTests
{
    [Theory]
    [InlineData("abc-1234", "ABC1234")]
    [InlineData(" 7 ABC 123 ", "7ABC123")]
    [InlineData("AB.C·12", "ABC12")]
    [InlineData("", "")]
    public void Normalisation_keeps_upper_case_letters_and_digits(string raw, string expected) =>
        Assert.Equal(expected, PlateText.Normalize(raw));

    [Theory]
    [InlineData("5OW350", "S0W350")]
    [InlineData("B8I1", "8811")]
    [InlineData("Z2G6", "2266")]
    [InlineData("DQO0", "0000")]
    public void Look_alike_plates_share_a_skeleton(string a, string b) =>
        Assert.Equal(PlateText.Skeleton(a), PlateText.Skeleton(b));

    [Fact]
    public void Different_plates_do_not_share_a_skeleton() =>
        Assert.NotEqual(PlateText.Skeleton("ABC123"), PlateText.Skeleton("ABC124"));

    [Theory]
    [InlineData("ABC123", "ABC123", 0)]
    [InlineData("ABC123", "A8C123", 0)]
    [InlineData("ABC123", "ABC124", 1)]
    [InlineData("ABC123", "ABC12", 1)]
    [InlineData("ABC123", "XBC12", 2)]
    [InlineData("ABC123", "XYZ789", 3)]
    public void Skeleton_distance_counts_edits_beyond_look_alikes(string a, string b, int expected) =>
        Assert.Equal(expected, PlateText.SkeletonDistance(a, b, max: 2) is var d && d > 2 ? 3 : d);

    [Fact]
    public void Sql_translation_reproduces_the_skeleton()
    {
        var (from, to) = PlateText.SkeletonTranslation();
        string plate = "SOB8IZG0QD";
        var translated = new string(plate.Select(c => from.IndexOf(c, StringComparison.Ordinal) is var i and >= 0 ? to[i] : c).ToArray());
        Assert.Equal(PlateText.Skeleton(plate), translated);
    }
}

public sealed class PlatePatternTests
{
    [Theory]
    [InlineData("AB?123", "ABC123", true)]
    [InlineData("AB?123", "ABCC123", false)]
    [InlineData("AB*123", "AB123", true)]
    [InlineData("AB*123", "ABXYZ123", true)]
    [InlineData("*123", "XYZ123", true)]
    [InlineData("A*B*C", "AXXBYYC", true)]
    [InlineData("A*B*C", "AXXBYY", false)]
    public void Wildcards_match_like_shell_globs(string pattern, string plate, bool matches) =>
        Assert.Equal(matches, PlatePattern.Wildcard(pattern).Matches(plate));

    [Fact]
    public void A_pattern_without_wildcards_is_exact() =>
        Assert.Equal(PlateMatchKind.Exact, PlatePattern.Wildcard("abc 123").Kind);

    [Theory]
    [InlineData("**")]
    [InlineData("A*")]
    [InlineData("AB%12")]
    [InlineData("")]
    public void Patterns_that_would_match_almost_anything_or_contain_symbols_are_refused(string pattern) =>
        Assert.Throws<ArgumentException>(() => PlatePattern.Wildcard(pattern));

    [Theory]
    [InlineData("AB?123", null, PlateMatchKind.Wildcard)]
    [InlineData("ABC123", null, PlateMatchKind.Exact)]
    [InlineData("ABC123", "fuzzy", PlateMatchKind.Fuzzy)]
    [InlineData("ABC123", "Wildcard", PlateMatchKind.Exact)]
    public void Parsing_user_input_chooses_the_match_kind(string plate, string? match, PlateMatchKind expected) =>
        Assert.Equal(expected, PlatePattern.Parse(plate, match).Kind);

    [Fact]
    public void An_unknown_match_kind_is_refused_by_name() =>
        Assert.Contains("soundex", Assert.Throws<ArgumentException>(() => PlatePattern.Parse("ABC123", "soundex")).Message, StringComparison.Ordinal);

    [Fact]
    public void The_literal_prefix_stops_at_the_first_wildcard() =>
        Assert.Equal("AB", PlatePattern.Wildcard("AB?1*").LiteralPrefix);

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void Fuzzy_edits_are_bounded(int edits) =>
        Assert.Throws<ArgumentException>(() => PlatePattern.Fuzzy("ABC1234", edits));

    [Fact]
    public void A_fuzzy_pattern_too_short_for_its_edits_is_refused() =>
        Assert.Throws<ArgumentException>(() => PlatePattern.Fuzzy("AB", 1));
}
