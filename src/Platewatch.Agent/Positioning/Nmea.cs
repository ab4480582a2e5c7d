using System.Globalization;

namespace Platewatch.Agent.Positioning;

/// <summary>
/// NMEA 0183 sentences from a GPS receiver: RMC (time, date, status, position, speed, course) and GGA (time, fix quality,
/// position, HDOP). GGA carries no date, so it is dated by the last RMC. Other sentence types are ignored. A sentence with
/// a bad checksum or malformed fields is reported, never guessed at.
/// </summary>
internal sealed class NmeaParser
{
    private DateOnly? _date;

    /// <summary>Parses one line; returns a fix, null for a sentence that carries none, or sets <paramref name="error"/>.</summary>
    public GpsFix? Parse(string line, out string? error)
    {
        ArgumentNullException.ThrowIfNull(line);
        error = null;
        line = line.Trim();
        if (line.Length == 0) return null;
        if (line.Length > 120) { error = "longer than an NMEA sentence can be (82 characters)"; return null; }
        if (line[0] != '$') { error = "does not start with '$'"; return null; }
        int star = line.LastIndexOf('*');
        if (star > 0)
        {
            if (star + 3 != line.Length || !byte.TryParse(line.AsSpan(star + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte expected))
            { error = "the checksum after '*' must be two hex digits"; return null; }
            byte sum = 0;
            foreach (char c in line.AsSpan(1, star - 1)) sum ^= (byte)c;
            if (sum != expected) { error = $"checksum mismatch (computed {sum:X2}, sentence says {expected:X2})"; return null; }
        }
        string body = star > 0 ? line[1..star] : line[1..];
        string[] f = body.Split(',');
        if (f[0].Length < 5) { error = "no sentence type"; return null; }
        return f[0][2..] switch
        {
            "RMC" => Rmc(f, out error),
            "GGA" => Gga(f, out error),
            _ => null,
        };
    }

    private GpsFix? Rmc(string[] f, out string? error)
    {
        error = null;
        if (f.Length < 10) { error = $"RMC needs at least 10 fields, found {f.Length}"; return null; }
        if (!TryTime(f[1], out var tod)) { error = $"RMC time '{f[1]}' is not hhmmss"; return null; }
        if (!DateOnly.TryParseExact(f[9], "ddMMyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) { error = $"RMC date '{f[9]}' is not ddmmyy"; return null; }
        _date = date;
        var time = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + tod;
        if (f[2] == "V") return new GpsFix(time, 0, 0, Valid: false);
        if (f[2] != "A") { error = $"RMC status '{f[2]}' is neither A (fix) nor V (no fix)"; return null; }
        if (!TryCoordinate(f[3], f[4], 90, out double lat) || !TryCoordinate(f[5], f[6], 180, out double lon))
        { error = "RMC position is not ddmm.mmmm,N|S,dddmm.mmmm,E|W"; return null; }
        double? speed = Number(f[7]) * 1.852;
        double? course = Number(f[8]);
        return new GpsFix(time, lat, lon, true, course, speed);
    }

    private GpsFix? Gga(string[] f, out string? error)
    {
        error = null;
        if (f.Length < 9) { error = $"GGA needs at least 9 fields, found {f.Length}"; return null; }
        if (!TryTime(f[1], out var tod)) { error = $"GGA time '{f[1]}' is not hhmmss"; return null; }
        if (_date is not { } date) return null; // no RMC yet: the day is unknown
        var time = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + tod;
        if (!int.TryParse(f[6], NumberStyles.Integer, CultureInfo.InvariantCulture, out int quality)) { error = $"GGA fix quality '{f[6]}' is not a number"; return null; }
        if (quality == 0) return new GpsFix(time, 0, 0, Valid: false);
        if (!TryCoordinate(f[2], f[3], 90, out double lat) || !TryCoordinate(f[4], f[5], 180, out double lon))
        { error = "GGA position is not ddmm.mmmm,N|S,dddmm.mmmm,E|W"; return null; }
        // Horizontal dilution of precision times a typical 5 m receiver error: a rough radius, better than none.
        double accuracy = Number(f[8]) is { } hdop ? Math.Round(hdop * 5, 1) : 10;
        return new GpsFix(time, lat, lon, true, AccuracyMeters: accuracy);
    }

    private static bool TryTime(string s, out TimeSpan tod)
    {
        tod = default;
        if (s.Length < 6 || !int.TryParse(s.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out int h) ||
            !int.TryParse(s.AsSpan(2, 2), NumberStyles.None, CultureInfo.InvariantCulture, out int m) ||
            !double.TryParse(s.AsSpan(4), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double sec) ||
            h > 23 || m > 59 || sec >= 61)
            return false;
        tod = new TimeSpan(h, m, 0) + TimeSpan.FromMilliseconds(Math.Round(sec * 1000));
        return true;
    }

    private static bool TryCoordinate(string value, string hemisphere, int max, out double degrees)
    {
        degrees = 0;
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double raw)) return false;
        double d = Math.Floor(raw / 100), minutes = raw - d * 100;
        if (minutes >= 60) return false;
        degrees = d + minutes / 60;
        if (hemisphere is "S" or "W") degrees = -degrees;
        else if (hemisphere is not ("N" or "E")) return false;
        return Math.Abs(degrees) <= max;
    }

    private static double? Number(string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
}
