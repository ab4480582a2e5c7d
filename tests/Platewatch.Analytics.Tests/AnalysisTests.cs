using Platewatch.Storage;
using static Platewatch.Analytics.Tests.Given;

namespace Platewatch.Analytics.Tests;

/// <summary>Each analysis as a pure function over hand-made reads.</summary>
public sealed class AnalysisTests
{
    [Fact]
    public void History_is_in_time_order_and_lists_the_cameras()
    {
        var reads = new[] { S("ABC123", Day(1, 9), Work, "pole-2"), S("ABC123", Day(0, 8), Home, "pole-1"), S("ABC123", Day(2, 8), Home, "pole-1") };

        var h = VehicleAnalyses.History("ABC123", reads, []);

        Assert.Equal([Day(0, 8), Day(1, 9), Day(2, 8)], h.Reads.Select(r => r.At));
        Assert.Equal(["pole-1", "pole-2"], h.Cameras);
    }

    [Fact]
    public void Look_alike_misreads_join_the_target_unless_the_spelling_is_another_vehicles()
    {
        Assert.Contains("A8C123", LookAlikes.Variants("ABC123"));
        Assert.Contains("4BC123", LookAlikes.Variants("ABC123"));
        Assert.Contains("48C123", LookAlikes.Variants("ABC123", maxSubstitutions: 2));
        Assert.DoesNotContain("48C123", LookAlikes.Variants("ABC123"));
        Assert.DoesNotContain("ABC123", LookAlikes.Variants("ABC123"));
        var fetched = new[]
        {
            S("ABC123", Day(0, 8), Home),
            S("A8C123", Day(0, 9), Home, confidence: 0.55f),   // a misread of the target
            S("ABC12S", Day(0, 10), Work, confidence: 0.95f),  // a clean read: another vehicle's plate
            S("ABC12S", Day(0, 11), Work, confidence: 0.5f),
        };

        var (reads, included) = LookAlikes.TargetReads("ABC123", fetched);

        Assert.Equal(["ABC123", "A8C123"], reads.Select(r => r.Plate));
        Assert.Equal(["A8C123"], included);
    }

    [Fact]
    public void Usual_places_find_the_overnight_home_and_the_weekday_work_place()
    {
        var reads = new List<Sighting>();
        for (int d = 0; d < 5; d++)
        {
            reads.Add(S("CAR1", Day(d, 23), East(Home, d * 10), "patrol-1"));
            reads.Add(S("CAR1", Day(d, 2), Home, "patrol-2"));
            reads.Add(S("CAR1", Day(d, 11), East(Work, d * 15), "patrol-1"));
            reads.Add(S("CAR1", Day(d, 14), Work, "patrol-3"));
        }
        reads.Add(S("CAR1", Day(5, 15), Elsewhere, "pole-9"));

        var r = VehicleAnalyses.Places("CAR1", reads, TimeSpan.Zero, new PlacesOptions());

        Assert.Equal(3, r.Places.Length);
        Assert.Equal(PlaceKind.Overnight, r.LikelyHome!.Kind);
        Assert.True(Geo.Haversine.DistanceMeters(r.LikelyHome.Center, Home) < 50);
        Assert.Equal(PlaceKind.WeekdayDaytime, r.LikelyWork!.Kind);
        Assert.True(Geo.Haversine.DistanceMeters(r.LikelyWork.Center, Work) < 50);
        Assert.Equal(5, r.LikelyHome.Days);
        Assert.Equal(10, r.LikelyHome.Hours.Sum());
        Assert.Equal(1, r.Places[^1].Days);
    }

    [Fact]
    public void Routes_group_trips_by_camera_sequence_with_usual_times_and_day_spans()
    {
        var reads = new List<Sighting>();
        for (int d = 0; d < 3; d++)
        {
            reads.Add(S("CAR1", Day(d, 8).AddMinutes(d), Home, "a"));
            reads.Add(S("CAR1", Day(d, 8.1).AddMinutes(d), Work, "b"));
            reads.Add(S("CAR1", Day(d, 8.2).AddMinutes(d), Work, "c"));
            reads.Add(S("CAR1", Day(d, 17), Work, "c"));
            reads.Add(S("CAR1", Day(d, 17.1), Home, "a"));
        }

        var r = VehicleAnalyses.Routes("CAR1", reads, TimeSpan.Zero, new RoutesOptions());

        Assert.Equal(6, r.Trips);
        Assert.Equal(["a", "b", "c"], r.Routes[0].Cameras);
        Assert.Equal(3, r.Routes[0].Trips);
        Assert.Equal(new TimeOnly(8, 1), r.Routes[0].UsualDeparture);
        Assert.Equal(["c", "a"], r.Routes[1].Cameras);
        Assert.Equal(3, r.Days.Length);
        Assert.Equal("a", r.Days[0].FirstCamera);
        Assert.Equal(15, r.Activity.Sum());
        Assert.Equal(3, r.Activity[(0 * 24) + 8]);
    }

    [Fact]
    public void An_associate_parked_beside_the_target_ranks_and_a_rush_hour_commuter_does_not()
    {
        var target = new List<Sighting>();
        var nearby = new List<Sighting>();
        var background = new List<Sighting>();
        for (int d = 0; d < 14; d++)
        {
            // Parked beside the target at night on most nights, read by the same patrol pass at unhabitual times.
            var night = Day(d, 22 + (d % 3)).AddMinutes(d * 7);
            target.Add(S("TGT1", night, Home, "patrol-1"));
            if (d % 2 == 0) nearby.Add(S("FRIEND", night.AddSeconds(5), East(Home, 12), "patrol-1"));
            // Both commute past the same pole around 08:00 and meet there on some days: the commuter is there at that
            // time whether or not the target is.
            var rush = Day(d, 8).AddMinutes(d % 4 * 3);
            target.Add(S("TGT1", rush, Work, "pole-1"));
            var commuter = S("COMMUTE", Day(d, 8).AddSeconds(40), Work, "pole-1");
            nearby.Add(commuter);
            background.Add(commuter);
        }
        background.AddRange(nearby.Where(n => n.Plate == "FRIEND"));
        target.Sort((a, b) => a.At.CompareTo(b.At));
        var o = new AssociatesOptions();

        var all = GroupAnalyses.Match("TGT1", target, nearby, o.RadiusMeters, o.Window, sameCamera: false);
        var candidates = GroupAnalyses.RepeatedOnDays(all, target, TimeSpan.Zero, o.MinDays, o.MaxCandidates);
        var r = GroupAnalyses.ScoreAssociates("TGT1", target, candidates, all, background, 14, TimeSpan.Zero, o);

        Assert.Equal(2, candidates.Count);
        var friend = Assert.Single(r.Associates);
        Assert.Equal("FRIEND", friend.Plate);
        Assert.Equal(7, friend.Days);
        Assert.True(friend.Score > 6, $"score {friend.Score}");
        Assert.True(friend.Lift > 10);
    }

    [Fact]
    public void Poisson_tail_scores_grow_with_days_and_shrink_with_chance()
    {
        Assert.Equal(0, GroupAnalyses.PoissonTailScore(0, 1));
        Assert.True(GroupAnalyses.PoissonTailScore(5, 0.1) > GroupAnalyses.PoissonTailScore(2, 0.1));
        Assert.True(GroupAnalyses.PoissonTailScore(5, 0.1) > GroupAnalyses.PoissonTailScore(5, 3));
        Assert.Equal(-Math.Log10(1 - Math.Exp(-0.5)), GroupAnalyses.PoissonTailScore(1, 0.5), 6);
    }

    [Fact]
    public void Convoy_needs_k_shared_cameras_in_one_trip_on_enough_days()
    {
        var target = new List<Sighting>();
        var nearby = new List<Sighting>();
        for (int d = 0; d < 3; d++)
        {
            for (int c = 0; c < 3; c++)
            {
                var t = Day(d, 9).AddMinutes(c * 4);
                target.Add(S("LEAD", t, North(Home, c * 1000), $"pole-{c}"));
                nearby.Add(S("FOLLOW", t.AddSeconds(5), North(Home, c * 1000), $"pole-{c}"));
                if (c == 0) nearby.Add(S("ONECAM", t.AddSeconds(3), Home, "pole-0"));
            }
        }
        nearby.Add(S("LATE", Day(0, 9).AddMinutes(4).AddSeconds(90), North(Home, 1000), "pole-1"));

        var r = GroupAnalyses.Convoy("LEAD", target, nearby, TimeSpan.Zero, new ConvoyOptions { MinCameras = 3 });

        var m = Assert.Single(r.Members);
        Assert.Equal("FOLLOW", m.Plate);
        Assert.Equal(3, m.Trips);
        Assert.Equal(3, m.MaxSharedCameras);
        Assert.Equal(3, r.TargetTrips);
        Assert.Empty(GroupAnalyses.Convoy("LEAD", target, nearby, TimeSpan.Zero, new ConvoyOptions { MinCameras = 3, MinDays = 4 }).Members);
    }

    [Fact]
    public void Stakeout_finds_the_plate_at_all_scenes_despite_a_misread_at_one()
    {
        IReadOnlyList<Sighting>[] areas =
        [
            [S("BURGL4R", Day(0, 2), Home), S("BYSTND1", Day(0, 2), Home)],
            [S("BURGL4R", Day(3, 3), Work), S("BYSTND1", Day(3, 3), Work)],
            [S("8URGL4R", Day(6, 1), Elsewhere, confidence: 0.5f)],
        ];

        var all = GroupAnalyses.Stakeout(areas, 3, 100);
        var two = GroupAnalyses.Stakeout(areas, 2, 100);

        var hit = Assert.Single(all.Plates);
        Assert.Equal("BURGL4R", hit.Plate);
        Assert.Equal([1, 2, 3], hit.Areas);
        Assert.Equal(["8URGL4R", "BURGL4R"], hit.Spellings);
        Assert.Equal(["BURGL4R", "BYSTND1"], two.Plates.Select(p => p.Plate));
    }

    [Fact]
    public void Cloned_plate_is_two_places_too_far_apart_for_the_time_between_them()
    {
        var reads = new[]
        {
            S("CLONE1", Day(0, 8), Home, "pole-1"),
            S("CLONE1", Day(0, 8).AddMinutes(2), Elsewhere, "pole-9"),  // 8 km in 2 minutes
            S("HONEST", Day(0, 8), Home, "pole-1"),
            S("HONEST", Day(0, 8.5), Elsewhere, "pole-9"),               // 8 km in 30 minutes
            S("MISREAD", Day(0, 8), Home, "pole-1", confidence: 0.5f),
        };

        var r = GroupAnalyses.Cloned(null, reads, new ClonedOptions { Range = new Platewatch.Reads.TimeRange(Day(0, 0), Day(1, 0)) });

        var c = Assert.Single(r.Plates);
        Assert.Equal("CLONE1", c.Plate);
        Assert.True(c.MaxSpeedKmh > 90);
        Assert.Equal(3, r.PlatesChecked);
    }
}
