using Platewatch.Reads;

namespace Platewatch.Simulation.Tests;

public sealed class PlantedTruthTests
{
    private static ILookup<string, PlateRead> ByPlate => s_byPlate.Value;

    private static readonly Lazy<ILookup<string, PlateRead>> s_byPlate = new(() => TestCity.Reads.ToLookup(r => r.Plate));

    [Fact]
    public void Every_plant_is_recorded_in_the_truth()
    {
        var t = TestCity.Truth;
        Assert.Equal(TestCity.Options.AssociatePairs, t.Associates.Count);
        Assert.Equal(TestCity.Options.Convoys, t.Convoys.Count);
        Assert.Equal(TestCity.Options.ClonedPlates, t.ClonedPlates.Count);
        Assert.Equal(TestCity.Options.HotlistCandidates, t.Hotlist.Count);
        Assert.Equal(TestCity.Options.Vehicles, t.Vehicles.Count);
        Assert.Contains(t.Associates, a => a.Kind == AssociateKind.Neighbours);
        Assert.Contains(t.Associates, a => a.Kind == AssociateKind.OvernightVisits && a.Nights.Count > 0);
        Assert.All(t.Convoys, c => Assert.InRange(c.Members.Count, 2, 3));
        Assert.Contains(t.Hotlist, h => h.Vehicle is null);
        Assert.Contains(t.Hotlist, h => h.Vehicle is not null);
    }

    [Fact]
    public void Plates_are_unique_except_the_planted_clones()
    {
        var t = TestCity.Truth;
        var shared = t.Vehicles.GroupBy(v => (v.Plate, v.Region)).Where(g => g.Count() > 1).Select(g => g.Key.Plate).Order().ToList();
        Assert.Equal(t.ClonedPlates.Select(c => c.Plate).Order().ToList(), shared);
    }

    [Fact]
    public void Cloned_plate_is_seen_more_than_10_km_apart_within_an_hour()
    {
        foreach (var clone in TestCity.Truth.ClonedPlates)
        {
            Assert.True(clone.DistanceKm > 10, $"{clone.Plate}: homes only {clone.DistanceKm} km apart");
            var reads = ByPlate[clone.Plate].OrderBy(r => r.CapturedAt).ToList();
            bool found = false;
            for (int i = 0; i < reads.Count && !found; i++)
            {
                for (int j = i + 1; j < reads.Count && reads[j].CapturedAt - reads[i].CapturedAt <= TimeSpan.FromHours(1); j++)
                {
                    if (TestCity.Metres(reads[i], reads[j]) > 10_000) { found = true; break; }
                }
            }
            Assert.True(found, $"{clone.Plate} ({reads.Count} reads) is never seen at two places 10 km apart within an hour");
        }
    }

    [Fact]
    public void Cloned_vehicles_differ_in_make_or_colour()
    {
        var v = TestCity.Truth.Vehicles;
        Assert.All(TestCity.Truth.ClonedPlates, c =>
            Assert.True(v[c.OriginalVehicle].Make != v[c.CloneVehicle].Make || v[c.OriginalVehicle].Colour != v[c.CloneVehicle].Colour));
    }

    [Fact]
    public void Convoy_members_pass_the_same_fixed_camera_seconds_apart_several_times()
    {
        var fixedIds = TestCity.Simulator.City.Cameras.Where(c => !c.IsMobile).Select(c => c.Id).ToHashSet();
        foreach (var convoy in TestCity.Truth.Convoys)
        {
            Assert.True(convoy.Days.Count >= 2, $"convoy {convoy.Id} travelled together on {convoy.Days.Count} days");
            var leader = ByPlate[convoy.Members[0].Plate].Where(r => fixedIds.Contains(r.CameraId)).ToList();
            foreach (var member in convoy.Members.Skip(1))
            {
                int together = 0;
                foreach (var f in ByPlate[member.Plate].Where(r => fixedIds.Contains(r.CameraId)))
                {
                    if (leader.Any(l => l.CameraId == f.CameraId && (f.CapturedAt - l.CapturedAt).Duration() <= TimeSpan.FromSeconds(30)))
                        together++;
                }
                Assert.True(together >= 3, $"convoy {convoy.Id}: {member.Plate} passed a camera with its leader {together} times");
            }
        }
    }

    [Fact]
    public void Associates_are_read_together_by_the_same_mobile_camera_on_several_occasions()
    {
        foreach (var pair in TestCity.Truth.Associates)
        {
            var a = ByPlate[pair.A.Plate].Where(TestCity.IsMobile).ToList();
            var b = ByPlate[pair.B.Plate].Where(TestCity.IsMobile).ToList();
            int together = a.Count(x => b.Any(y => y.CameraId == x.CameraId
                && (y.CapturedAt - x.CapturedAt).Duration() <= TimeSpan.FromMinutes(2)
                && TestCity.Metres(x, y) < 200));
            Assert.True(together >= 2, $"{pair.Kind} {pair.A.Plate}/{pair.B.Plate}: read together {together} times ({a.Count}, {b.Count} mobile reads)");
        }
    }

    [Fact]
    public void Visitors_are_read_near_the_hosts_home_overnight()
    {
        foreach (var pair in TestCity.Truth.Associates.Where(p => p.Kind == AssociateKind.OvernightVisits))
        {
            var hostHome = TestCity.Truth.Vehicles[pair.B.Vehicle].Home;
            bool seen = ByPlate[pair.A.Plate].Any(r => TestCity.IsMobile(r) && TestCity.Local(r).Hour is >= 22 or < 6 && TestCity.Metres(r, hostHome) < 100);
            Assert.True(seen, $"visitor {pair.A.Plate} never read near {pair.B.Plate}'s home at night");
        }
    }

    [Fact]
    public void Home_is_where_overnight_reads_cluster()
    {
        var t = TestCity.Truth;
        var excluded = t.Associates.Where(a => a.Kind == AssociateKind.OvernightVisits).Select(a => a.A.Plate)
            .Concat(t.ClonedPlates.Select(c => c.Plate)).ToHashSet();
        int checkedVehicles = 0;
        foreach (var v in t.Vehicles.Where(v => !excluded.Contains(v.Plate)))
        {
            var night = ByPlate[v.Plate].Where(r => TestCity.Local(r).Hour is >= 0 and < 5).ToList();
            if (night.Count == 0) continue;
            checkedVehicles++;
            int nearHome = night.Count(r => TestCity.Metres(r, v.Home) < 300);
            Assert.True(nearHome * 2 > night.Count, $"{v.Plate}: {nearHome} of {night.Count} overnight reads near home");
        }
        Assert.True(checkedVehicles > 50, $"only {checkedVehicles} vehicles seen overnight");
    }

    [Fact]
    public void Hotlisted_city_plates_are_read()
    {
        var inCity = TestCity.Truth.Hotlist.Where(h => h.Vehicle is not null).ToList();
        int seen = inCity.Count(h => ByPlate[h.Plate].Any());
        Assert.True(seen * 2 >= inCity.Count, $"{seen} of {inCity.Count} hotlisted plates read");
        Assert.All(TestCity.Truth.Hotlist.Where(h => h.Vehicle is null), h => Assert.DoesNotContain(TestCity.Truth.Vehicles, v => v.Plate == h.Plate));
    }
}
