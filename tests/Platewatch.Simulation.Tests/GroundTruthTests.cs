using System.Text.Json;

namespace Platewatch.Simulation.Tests;

public sealed class GroundTruthTests
{
    [Fact]
    public void Ground_truth_json_round_trips()
    {
        var truth = TestCity.Truth;
        using var first = new MemoryStream();
        truth.WriteJson(first);
        first.Position = 0;
        var back = GroundTruth.ReadJson(first);

        using var second = new MemoryStream();
        back.WriteJson(second);
        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.Equal(truth.Vehicles.Count, back.Vehicles.Count);
        Assert.Equal(truth.Vehicles[17], back.Vehicles[17]);
        Assert.Equal(truth.ClonedPlates, back.ClonedPlates);
        Assert.Equal(truth.Hotlist, back.Hotlist);
        Assert.Equal(truth.Associates[1].Nights, back.Associates[1].Nights);
        Assert.Equal(truth.Convoys[0].Members, back.Convoys[0].Members);
        Assert.Equal(truth.Start, back.Start);
    }

    [Fact]
    public void Ground_truth_json_names_fields_in_camel_case_and_enums_by_name()
    {
        using var ms = new MemoryStream();
        TestCity.Truth.WriteJson(ms);
        using var doc = JsonDocument.Parse(ms.ToArray());
        var root = doc.RootElement;
        Assert.Equal(TestCity.Options.Seed, root.GetProperty("seed").GetInt32());
        var vehicle = root.GetProperty("vehicles")[0];
        Assert.True(vehicle.GetProperty("home").GetProperty("lat").GetDouble() > 40);
        Assert.Equal("Neighbours", root.GetProperty("associates")[0].GetProperty("kind").GetString());
        Assert.Contains(root.GetProperty("hotlist").EnumerateArray(), h => h.GetProperty("category").GetString() == "StolenPlate");
    }

    [Fact]
    public void Homes_and_workplaces_lie_in_the_city()
    {
        var box = TestCity.Simulator.City.Bounds;
        Assert.All(TestCity.Truth.Vehicles, v =>
        {
            Assert.True(box.Contains(v.Home.Lat, v.Home.Lon) || Near(box, v.Home), $"{v.Plate} lives outside the city");
            if (v.Work is { } w) Assert.True(box.Contains(w.Lat, w.Lon) || Near(box, w));
        });
    }

    private static bool Near(Platewatch.Geo.BoundingBox box, LatLon p) =>
        p.Lat > box.MinLatitude - 0.002 && p.Lat < box.MaxLatitude + 0.002 && p.Lon > box.MinLongitude - 0.002 && p.Lon < box.MaxLongitude + 0.002;
}
