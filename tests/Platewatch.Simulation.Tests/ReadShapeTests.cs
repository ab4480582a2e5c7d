using System.Text.RegularExpressions;
using Platewatch.Reads;

namespace Platewatch.Simulation.Tests;

public sealed class ReadShapeTests
{
    [Fact]
    public void Every_read_passes_the_validator()
    {
        var now = TestCity.End;
        foreach (var r in TestCity.Reads) Assert.Null(PlateReadValidator.Check(r, now));
    }

    [Fact]
    public void Reads_come_in_capture_time_order_with_ascending_ids()
    {
        var reads = TestCity.Reads;
        for (int i = 1; i < reads.Count; i++)
        {
            Assert.True(reads[i - 1].CapturedAt <= reads[i].CapturedAt, $"read {i} is earlier than read {i - 1}");
            Assert.True(reads[i - 1].Id < reads[i].Id, $"id {i} does not sort after id {i - 1}");
        }
    }

    [Fact]
    public void Read_ids_are_unique_version_7_uuids_carrying_the_capture_time()
    {
        var reads = TestCity.Reads;
        Assert.Equal(reads.Count, reads.Select(r => r.Id).Distinct().Count());
        foreach (var r in reads)
        {
            Assert.Equal(7, r.Id.Value.Version);
            Assert.Equal(r.CapturedAt, r.Id.Timestamp);
        }
    }

    [Fact]
    public void Reads_lie_within_the_simulated_period_in_utc_with_millisecond_precision()
    {
        Assert.All(TestCity.Reads, r =>
        {
            Assert.InRange(r.CapturedAt, TestCity.Options.Start, TestCity.End.AddTicks(-1));
            Assert.Equal(TimeSpan.Zero, r.CapturedAt.Offset);
            Assert.Equal(0, r.CapturedAt.Ticks % TimeSpan.TicksPerMillisecond);
        });
    }

    [Fact]
    public void Reads_lie_in_the_city_and_name_its_cameras_and_agencies()
    {
        var city = TestCity.Simulator.City;
        var cameras = city.Cameras.ToDictionary(c => c.Id);
        var box = city.Bounds;
        foreach (var r in TestCity.Reads)
        {
            Assert.True(cameras.TryGetValue(r.CameraId, out var camera), r.CameraId);
            Assert.Equal(camera.AgencyId, r.AgencyId);
            Assert.InRange(r.Location.Latitude, box.MinLatitude - 0.01, box.MaxLatitude + 0.01);
            Assert.InRange(r.Location.Longitude, box.MinLongitude - 0.01, box.MaxLongitude + 0.01);
        }
    }

    [Fact]
    public void Fixed_reads_are_at_the_camera_and_mobile_reads_carry_gps_accuracy()
    {
        var cameras = TestCity.Simulator.City.Cameras.ToDictionary(c => c.Id);
        int mobile = 0, fixedReads = 0;
        foreach (var r in TestCity.Reads)
        {
            var camera = cameras[r.CameraId];
            if (camera.IsMobile)
            {
                mobile++;
                Assert.InRange(r.Location.AccuracyMeters, 4, 20);
            }
            else
            {
                fixedReads++;
                Assert.Equal(camera.Position!.Value.Latitude, r.Location.Latitude);
                Assert.Equal(camera.Position!.Value.Longitude, r.Location.Longitude);
            }
        }
        Assert.True(mobile > 100, $"{mobile} mobile reads");
        Assert.True(fixedReads > 1000, $"{fixedReads} fixed reads");
    }

    [Fact]
    public void Every_camera_kind_produces_reads()
    {
        var kinds = TestCity.Simulator.City.Cameras.ToDictionary(c => c.Id, c => c.Kind);
        var seen = TestCity.Reads.Select(r => kinds[r.CameraId]).ToHashSet();
        Assert.Equal(Enum.GetValues<CameraKind>().ToHashSet(), seen);
    }

    [Fact]
    public void Plates_are_normalised_and_follow_their_region_format()
    {
        var wa = new Regex("^[A-Z]{3}[0-9]{4}$");
        var truth = TestCity.Truth.Vehicles;
        Assert.All(truth, v => Assert.Matches("^[A-Z0-9]{5,8}$", v.Plate));
        var home = truth.Where(v => v.Region == "US-WA").ToList();
        Assert.InRange(home.Count, truth.Count * 0.75, truth.Count * 0.95);
        Assert.All(home, v => Assert.Matches(wa, v.Plate));
        Assert.Contains(truth, v => v.Region == "US-OR");
    }

    [Fact]
    public void Some_reads_carry_vehicle_attributes_and_others_do_not()
    {
        int with = TestCity.Reads.Count(r => r.Vehicle is not null);
        Assert.InRange(with, TestCity.Reads.Count * 0.3, TestCity.Reads.Count * 0.8);
    }

    [Fact]
    public void Weekday_rush_hours_are_busier_than_the_small_hours()
    {
        var byHour = TestCity.Reads.Where(r => Local(r).DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            .GroupBy(r => Local(r).Hour).ToDictionary(g => g.Key, g => g.Count());
        int rush = byHour.GetValueOrDefault(8) + byHour.GetValueOrDefault(17);
        int night = byHour.GetValueOrDefault(2) + byHour.GetValueOrDefault(3);
        Assert.True(rush > night * 3, $"rush {rush}, night {night}");
    }

    [Fact]
    public void Estimate_is_close_to_the_actual_count()
    {
        double estimate = TestCity.Simulator.EstimateReads();
        Assert.InRange(estimate, TestCity.Reads.Count * 0.8, TestCity.Reads.Count * 1.25);
    }

    private static DateTime Local(PlateRead r) => TestCity.Local(r);
}
