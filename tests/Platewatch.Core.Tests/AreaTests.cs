using Platewatch.Geo;

namespace Platewatch.Core.Tests;

public sealed class AreaTests
{
    [Fact]
    public void Areas_parse_from_their_text_form()
    {
        Assert.IsType<RadiusArea>(Area.Parse("radius:47.6,-122.3,500"));
        Assert.IsType<BoxArea>(Area.Parse("bbox:47.5,-122.4,47.7,-122.2"));
        Assert.IsType<PolygonArea>(Area.Parse("polygon:47.5,-122.4;47.7,-122.4;47.6,-122.2"));
    }

    [Theory]
    [InlineData("radius:47.6,-122.3")]
    [InlineData("radius:47.6,-122.3,0")]
    [InlineData("radius:95,-122.3,100")]
    [InlineData("bbox:47.7,-122.4,47.5,-122.2")]
    [InlineData("circle:1,2,3")]
    [InlineData("polygon:47.5,-122.4;47.6,-122.3")]
    public void Malformed_areas_are_refused_with_a_reason(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => Area.Parse(text));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    [Fact]
    public void A_degenerate_polygon_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Area.Parse("polygon:47.5,-122.4;47.6,-122.3;47.7,-122.2"));
        Assert.Contains("degenerate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_self_intersecting_polygon_is_refused()
    {
        // A bow tie: the edges cross in the middle.
        var ex = Assert.Throws<ArgumentException>(() => Area.Parse("polygon:0,0;1,1;1,0;0,1"));
        Assert.Contains("intersects itself", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Radius_distance_is_haversine()
    {
        // One degree of latitude is about 111.2 km everywhere.
        Assert.InRange(Haversine.DistanceMeters(47, -122, 48, -122), 111_000, 111_400);
    }
}
