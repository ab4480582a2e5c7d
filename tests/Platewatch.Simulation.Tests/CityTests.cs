using Platewatch.Reads;

namespace Platewatch.Simulation.Tests;

public sealed class CityTests
{
    [Fact]
    public void Default_city_is_seattle_with_the_requested_cameras()
    {
        var sim = new CitySimulator(new SimulationOptions { Vehicles = 50, Days = 1, AssociatePairs = 2, Convoys = 1, ClonedPlates = 1, HotlistCandidates = 2 });
        var city = sim.City;
        Assert.Equal(SimulationOptions.Seattle, city.Bounds);
        Assert.Equal(60, city.Cameras.Count(c => !c.IsMobile));
        Assert.Equal(6, city.Cameras.Count(c => c.IsMobile));
        Assert.All(city.Cameras.Where(c => !c.IsMobile), c => Assert.True(c.Position is { } p && city.Bounds.Contains(p.Latitude, p.Longitude)));
        Assert.All(city.Cameras.Where(c => c.IsMobile), c => Assert.Null(c.Position));
        Assert.Contains(city.Cameras, c => c.Kind == CameraKind.Toll);
        Assert.Contains(city.Cameras, c => c.Kind == CameraKind.Parking);
        Assert.Contains(city.Cameras, c => c.Kind == CameraKind.Bus);
        Assert.Equal(city.Cameras.Count, city.Cameras.Select(c => c.Id).Distinct().Count());
        Assert.Equal(["demo-pd", "demo-transit"], city.Agencies.Select(a => a.Id));
        Assert.Equal(city.Rows * city.Columns, city.Intersections.Count);
        Assert.Contains(city.Intersections, i => i.Arterial);
    }

    [Fact]
    public void One_agency_owns_every_camera_when_there_is_no_transit_agency()
    {
        var sim = new CitySimulator(TestCity.Options with { Vehicles = 100, Days = 1, TransitAgencyId = null, AgencyId = "metro-pd" });
        Assert.Single(sim.City.Agencies);
        Assert.All(sim.City.Cameras, c => Assert.Equal("metro-pd", c.AgencyId));
    }

    [Fact]
    public void Start_with_an_offset_is_taken_as_the_same_instant_in_utc()
    {
        var start = new DateTimeOffset(2026, 11, 2, 1, 0, 0, TimeSpan.FromHours(1));
        var reads = TestCity.Generate(TestCity.Options with { Vehicles = 100, Days = 1, Start = start });
        Assert.All(reads, r => Assert.InRange(r.CapturedAt, start, start.AddDays(1).AddTicks(-1)));
    }

    [Fact]
    public void A_city_too_small_for_the_plants_gets_fewer_and_the_truth_says_so()
    {
        var sim = new CitySimulator(new SimulationOptions { Vehicles = 20, Days = 1 });
        var t = sim.Truth;
        int planted = (2 * t.Associates.Count) + t.Convoys.Sum(c => c.Members.Count) + (2 * t.ClonedPlates.Count);
        Assert.InRange(planted, 1, 10);
        Assert.NotEmpty(sim.Generate().SelectMany(b => b));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(10, 0)]
    public void Invalid_options_are_rejected(int vehicles, int days)
    {
        Assert.Throws<ArgumentException>(() => new CitySimulator(new SimulationOptions { Vehicles = vehicles, Days = days }));
    }

    [Fact]
    public void Options_with_bad_rates_agencies_or_bounds_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new CitySimulator(new SimulationOptions { MisreadRate = 1.5 }));
        Assert.Throws<ArgumentException>(() => new CitySimulator(new SimulationOptions { AgencyId = "bad id" }));
        Assert.Throws<ArgumentException>(() => new CitySimulator(new SimulationOptions { Bounds = new(47.7, -122.2, 47.5, -122.4) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CitySimulator(TestCity.Options with { Vehicles = 20, Days = 1, AssociatePairs = 0, Convoys = 0, ClonedPlates = 0 }).Generate(0));
    }
}
