namespace Platewatch.Agent.Positioning;

/// <summary>A receiver's report at one instant: a position, or (when <see cref="Valid"/> is false) the news that it has none.</summary>
internal readonly record struct GpsFix(DateTimeOffset Time, double Latitude, double Longitude, bool Valid = true, double? CourseDegrees = null,
    double? SpeedKmh = null, double AccuracyMeters = 10);

/// <summary>Where a read was made, and how that is known.</summary>
internal sealed record ReadPosition(double Latitude, double Longitude, double AccuracyMeters, double? Heading, double? SpeedKmh, string Fix)
{
    public const string FixedFix = "fixed";
    public const string GpsFixKind = "gps";
}

/// <summary>
/// A time-ordered GPS track that answers "where was the camera at time t": interpolated between the two fixes around t
/// when they are valid and close enough in time, else nothing. An answer is never a stale position: a time past the
/// last fix gets that fix only while it is younger than <see cref="MaxFixAge"/>. Thread-safe: live receivers append
/// while sources look up.
/// </summary>
internal sealed class PositionTrack(TimeSpan maxGap, TimeSpan maxFixAge, int capacity = 100_000)
{
    private readonly List<GpsFix> _fixes = [];
    private readonly Lock _lock = new();

    public TimeSpan MaxGap => maxGap;
    public TimeSpan MaxFixAge => maxFixAge;

    public int Count
    {
        get { lock (_lock) return _fixes.Count; }
    }

    public void Add(GpsFix fix)
    {
        lock (_lock)
        {
            if (_fixes.Count == 0 || fix.Time > _fixes[^1].Time) _fixes.Add(fix);
            else
            {
                int i = Search(fix.Time);
                if (i >= 0) _fixes[i] = Merge(_fixes[i], fix);
                else _fixes.Insert(~i, fix);
            }
            // A live receiver runs for days: keep a bounded window (reads are looked up within seconds of their frame).
            if (_fixes.Count > capacity) _fixes.RemoveRange(0, _fixes.Count - capacity);
        }
    }

    /// <summary>The camera's position at <paramref name="time"/>, or null when there was no fix then.</summary>
    public ReadPosition? At(DateTimeOffset time)
    {
        lock (_lock)
        {
            if (_fixes.Count == 0) return null;
            int i = Search(time);
            if (i >= 0) return _fixes[i].Valid ? ToPosition(_fixes[i], _fixes[i].CourseDegrees) : null;
            int after = ~i, before = after - 1;
            GpsFix? a = before >= 0 ? _fixes[before] : null;
            GpsFix? b = after < _fixes.Count ? _fixes[after] : null;
            if (a is { Valid: true } fa && b is { Valid: true } fb && fb.Time - fa.Time <= maxGap)
            {
                double f = (time - fa.Time).TotalMilliseconds / (fb.Time - fa.Time).TotalMilliseconds;
                var p = new GpsFix(time, fa.Latitude + (fb.Latitude - fa.Latitude) * f, Lon(fa.Longitude, fb.Longitude, f), true,
                    Course(fa, fb, f), Lerp(fa.SpeedKmh, fb.SpeedKmh, f), Math.Max(fa.AccuracyMeters, fb.AccuracyMeters));
                return ToPosition(p, p.CourseDegrees);
            }
            // Only one side is near: usable while it is fresh, never beyond.
            if (a is { Valid: true } ya && time - ya.Time <= maxFixAge && (b is null || b.Value.Valid)) return ToPosition(ya, ya.CourseDegrees);
            if (b is { Valid: true } yb && yb.Time - time <= maxFixAge && (a is null || a.Value.Valid)) return ToPosition(yb, yb.CourseDegrees);
            return null;
        }
    }

    private int Search(DateTimeOffset time)
    {
        int lo = 0, hi = _fixes.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = _fixes[mid].Time.CompareTo(time);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    // Two sentences for one instant (RMC and GGA) describe the same fix: keep what each knows.
    private static GpsFix Merge(GpsFix old, GpsFix now) => now with
    {
        Valid = old.Valid && now.Valid,
        CourseDegrees = now.CourseDegrees ?? old.CourseDegrees,
        SpeedKmh = now.SpeedKmh ?? old.SpeedKmh,
    };

    private static ReadPosition ToPosition(GpsFix f, double? course) =>
        new(f.Latitude, f.Longitude, f.AccuracyMeters, course, f.SpeedKmh, ReadPosition.GpsFixKind);

    private static double Lon(double a, double b, double f)
    {
        double d = b - a;
        if (d > 180) d -= 360;
        else if (d < -180) d += 360;
        double v = a + d * f;
        return v > 180 ? v - 360 : v < -180 ? v + 360 : v;
    }

    private static double? Lerp(double? a, double? b, double f) => a is { } x && b is { } y ? x + (y - x) * f : a ?? b;

    private static double? Course(GpsFix a, GpsFix b, double f)
    {
        if (a.CourseDegrees is { } ca && b.CourseDegrees is { } cb)
        {
            double d = ((cb - ca + 540) % 360) - 180;
            return (ca + d * f + 360) % 360;
        }
        // No course reported: the bearing from one fix to the next, when the camera moved at all.
        if (Math.Abs(a.Latitude - b.Latitude) + Math.Abs(a.Longitude - b.Longitude) < 1e-6) return a.CourseDegrees ?? b.CourseDegrees;
        double φ1 = a.Latitude * Math.PI / 180, φ2 = b.Latitude * Math.PI / 180, dλ = (b.Longitude - a.Longitude) * Math.PI / 180;
        double y = Math.Sin(dλ) * Math.Cos(φ2);
        double x = Math.Cos(φ1) * Math.Sin(φ2) - Math.Sin(φ1) * Math.Cos(φ2) * Math.Cos(dλ);
        return (Math.Atan2(y, x) * 180 / Math.PI + 360) % 360;
    }
}
