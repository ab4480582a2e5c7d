using Platewatch.Plates;

namespace Platewatch.Reads;

/// <summary>The bounds every stored read satisfies. Stores call it on append; ingest calls it per item to report reasons.</summary>
public static class PlateReadValidator
{
    public const int MaxCandidates = 20;
    public const int MaxIdLength = 64;
    public const int MaxTextLength = 64;

    /// <summary>Earliest capture time accepted; guards against epoch-zero and seconds-for-milliseconds mistakes.</summary>
    public static readonly DateTimeOffset EarliestCapture = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Reads from more than this far in the future are rejected: the camera's clock is wrong.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromDays(1);

    /// <summary>Returns null when the read is valid, else the reason it is not.</summary>
    public static string? Check(PlateRead read, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (read.Id.Value == Guid.Empty) return "id is missing";
        if (!PlateText.IsNormalized(read.Plate)) return $"plate '{Trim(read.Plate)}' must be 1-{PlateText.MaxLength} characters of A-Z and 0-9";
        if (!IsText(read.PlateRaw)) return "plateRaw must be at most 64 characters, without control characters";
        if (read.Region.Length > 6 || !IsRegion(read.Region)) return $"region '{Trim(read.Region)}' is not an ISO 3166 code such as US-WA or BR";
        if (!(read.Confidence is >= 0 and <= 1)) return $"confidence {read.Confidence} must be between 0 and 1";
        if (read.Candidates.Length > MaxCandidates) return $"at most {MaxCandidates} candidates are allowed";
        foreach (var c in read.Candidates)
        {
            if (!PlateText.IsNormalized(c.Plate)) return $"candidate '{Trim(c.Plate)}' must be A-Z and 0-9";
            if (!(c.Confidence is >= 0 and <= 1)) return $"candidate confidence {c.Confidence} must be between 0 and 1";
        }
        if (read.CapturedAt < EarliestCapture) return $"capturedAt {read.CapturedAt:O} is before 2000: check the clock and the unit";
        if (read.CapturedAt > now + MaxClockSkew) return $"capturedAt {read.CapturedAt:O} is in the future: check the camera's clock";
        if (read.CapturedAt.Offset != TimeSpan.Zero) return "capturedAt must be in UTC";
        if (!read.Location.IsValid) return $"location {read.Location} is not a valid latitude/longitude";
        if (read.Heading is { } h && !(h is >= 0 and < 360)) return $"heading {h} must be 0 to 360 degrees";
        if (read.SpeedKmh is { } s && !(s is >= 0 and <= 500)) return $"speed {s} km/h is out of range";
        if (!IsId(read.CameraId)) return "cameraId must be 1-64 characters of letters, digits, '-', '_', '.' or ':'";
        if (!IsId(read.AgencyId)) return "agencyId must be 1-64 characters of letters, digits, '-', '_', '.' or ':'";
        if (read.Vehicle is { } v && !(IsText(v.Type) && IsText(v.Colour) && IsText(v.Make)))
            return "vehicle type, colour and make must be at most 64 characters each, without control characters";
        if (read.Images is { } img && (!IsHash(img.PlateCrop) || !IsHash(img.Context)))
            return "image references must be SHA-256 hex digests";
        if (read.Pass is { } p)
        {
            if (p.FirstSeen > read.CapturedAt || p.LastSeen < read.CapturedAt) return "pass.firstSeen and pass.lastSeen must enclose capturedAt";
            if (p.LastSeen - p.FirstSeen > TimeSpan.FromDays(1)) return "a pass may last at most a day";
            if (p.FirstSeen.Offset != TimeSpan.Zero || p.LastSeen.Offset != TimeSpan.Zero) return "pass times must be in UTC";
            if (p.Direction is not null && (p.Direction.Length is 0 or > 32 || !p.Direction.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
                return "pass.direction must be 1-32 letters, digits, '-' or '_' (e.g. left-to-right, approaching)";
            if (p.Frames is < 0 or > 1_000_000) return "pass.frames must be 0 to 1000000";
        }
        return null;
    }

    public static void ThrowIfInvalid(IReadOnlyList<PlateRead> reads, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reads);
        for (int i = 0; i < reads.Count; i++)
        {
            if (Check(reads[i], now) is { } why) throw new ArgumentException($"Read {i} ({reads[i].Id}) is invalid: {why}.", nameof(reads));
        }
    }

    private static bool IsRegion(string r)
    {
        if (r.Length == 0) return true;
        if (r.Length < 2 || !char.IsAsciiLetterUpper(r[0]) || !char.IsAsciiLetterUpper(r[1])) return false;
        if (r.Length == 2) return true;
        if (r[2] != '-' || r.Length < 4) return false;
        foreach (char c in r.AsSpan(3)) if (!char.IsAsciiLetterUpper(c) && !char.IsAsciiDigit(c)) return false;
        return true;
    }

    private static bool IsText(string? s)
    {
        if (s is null) return true;
        if (s.Length > MaxTextLength) return false;
        foreach (char c in s) if (char.IsControl(c)) return false;
        return true;
    }

    private static bool IsId(string s)
    {
        if (string.IsNullOrEmpty(s) || s.Length > MaxIdLength) return false;
        foreach (char c in s) if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.' or ':')) return false;
        return true;
    }

    private static bool IsHash(string? s)
    {
        if (s is null) return true;
        if (s.Length != 64) return false;
        foreach (char c in s) if (!char.IsAsciiHexDigitLower(c)) return false;
        return true;
    }

    private static string Trim(string s) => s.Length <= 24 ? s : s[..24] + "...";
}
