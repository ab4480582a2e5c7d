using Platewatch.Agent.Positioning;

namespace Platewatch.Agent.Tests;

public sealed class PositionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    internal static string Nmea(string body)
    {
        byte sum = 0;
        foreach (char c in body) sum ^= (byte)c;
        return $"${body}*{sum:X2}";
    }

    /// <summary>An RMC sentence at T0 + seconds, at 47 deg 36.000 N + 0.006' per second (0.0001 deg), 122 deg 19.926 W, 20 knots heading 0.</summary>
    internal static string Rmc(double seconds, string status = "A")
    {
        var t = T0.AddSeconds(seconds);
        double minutes = 36.0 + 0.006 * seconds;
        return Nmea(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"GPRMC,{t:HHmmss.ff},{status},47{minutes:00.0000},N,12219.9260,W,20.0,0.0,{t:ddMMyy},,,A"));
    }

    [Fact]
    public void Gpx_track_is_interpolated_to_the_frame_time()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pw-{Guid.NewGuid():N}.gpx");
        File.WriteAllText(path, """
            <?xml version="1.0" encoding="UTF-8"?>
            <gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
              <trk><trkseg>
                <trkpt lat="47.6000" lon="-122.3300"><time>2026-11-27T09:00:00Z</time></trkpt>
                <trkpt lat="47.6010" lon="-122.3300"><time>2026-11-27T09:00:02Z</time></trkpt>
                <trkpt lat="47.6010" lon="-122.3280"><time>2026-11-27T09:00:04Z</time></trkpt>
              </trkseg></trk>
            </gpx>
            """);
        try
        {
            var track = new PositionTrack(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
            foreach (var f in Gpx.Read(path)) track.Add(f);
            var p = track.At(T0.AddSeconds(0.5))!;
            Assert.Equal(47.60025, p.Latitude, 6);
            Assert.Equal(-122.33, p.Longitude, 6);
            Assert.Equal(0, p.Heading!.Value, 1); // northwards: the bearing between the fixes
            var q = track.At(T0.AddSeconds(3))!;
            Assert.Equal(-122.329, q.Longitude, 6);
            Assert.Equal(90, q.Heading!.Value, 0);
            Assert.Equal(ReadPosition.GpsFixKind, q.Fix);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Nmea_rmc_sentences_are_interpolated_with_speed_and_course()
    {
        var parser = new NmeaParser();
        var track = new PositionTrack(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        for (int s = 0; s < 5; s++) track.Add(parser.Parse(Rmc(s), out string? error)!.Value);
        var p = track.At(T0.AddSeconds(2.5))!;
        Assert.Equal(47.6 + 0.00025, p.Latitude, 7);
        Assert.Equal(-(122 + 19.926 / 60), p.Longitude, 7);
        Assert.Equal(37.04, p.SpeedKmh!.Value, 2);
        Assert.Equal(0, p.Heading!.Value, 3);
    }

    [Fact]
    public void Gga_without_a_preceding_rmc_has_no_date_and_gives_no_fix()
    {
        var parser = new NmeaParser();
        Assert.Null(parser.Parse(Nmea("GPGGA,090000.00,4736.0000,N,12219.9260,W,1,08,0.9,10.0,M,,M,,"), out string? error));
        Assert.Null(error);
        parser.Parse(Rmc(0), out _);
        var gga = parser.Parse(Nmea("GPGGA,090001.00,4736.0060,N,12219.9260,W,1,08,0.9,10.0,M,,M,,"), out error);
        Assert.Null(error);
        Assert.Equal(T0.AddSeconds(1), gga!.Value.Time);
        Assert.Equal(4.5, gga.Value.AccuracyMeters, 3);
    }

    [Theory]
    [InlineData("$GPRMC,090000.00,A,4736.0000,N,12219.9260,W,20.0,0.0,271126,,,A*00", "checksum mismatch")]
    [InlineData("GPRMC,090000.00,A,4736.0000,N", "does not start with '$'")]
    [InlineData("$GPRMC,0900,A,4736.0000,N,12219.9260,W,20.0,0.0,271126,,,A", "time")]
    [InlineData("$GPRMC,090000.00,A,47x6.0000,N,12219.9260,W,20.0,0.0,271126,,,A", "position")]
    [InlineData("$GPRMC,090000.00,A", "at least 10 fields")]
    public void Malformed_sentences_are_reported_not_guessed(string line, string expected)
    {
        var fix = new NmeaParser().Parse(line, out string? error);
        Assert.Null(fix);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void No_fix_status_and_stale_fixes_give_no_position()
    {
        var parser = new NmeaParser();
        var track = new PositionTrack(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        track.Add(parser.Parse(Rmc(0), out _)!.Value);
        track.Add(parser.Parse(Rmc(1), out _)!.Value);
        track.Add(parser.Parse(Rmc(2, status: "V"), out _)!.Value);
        Assert.NotNull(track.At(T0.AddSeconds(0.5)));
        // Between a fix and a receiver that says it lost the fix: no position, not the last one.
        Assert.Null(track.At(T0.AddSeconds(1.5)));
        Assert.Null(track.At(T0.AddSeconds(2)));
        // Long after the track ends, and before it starts.
        Assert.Null(track.At(T0.AddSeconds(30)));
        Assert.Null(track.At(T0.AddSeconds(-30)));
        // Just outside the track, a fresh fix is still usable.
        Assert.NotNull(track.At(T0.AddSeconds(-0.5)));
    }

    [Fact]
    public void Fixes_too_far_apart_are_not_bridged()
    {
        var track = new PositionTrack(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        track.Add(new GpsFix(T0, 47.6, -122.3));
        track.Add(new GpsFix(T0.AddSeconds(60), 47.7, -122.3));
        Assert.Null(track.At(T0.AddSeconds(30)));
    }

    [Fact]
    public void A_gpx_point_without_time_is_an_error_with_its_line()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pw-{Guid.NewGuid():N}.gpx");
        File.WriteAllText(path, "<gpx>\n<trk><trkseg>\n<trkpt lat=\"47.6\" lon=\"-122.3\"></trkpt>\n</trkseg></trk></gpx>");
        try
        {
            var ex = Assert.Throws<FormatException>(() => Gpx.Read(path));
            Assert.Contains(":3:", ex.Message, StringComparison.Ordinal);
            Assert.Contains("no <time>", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
