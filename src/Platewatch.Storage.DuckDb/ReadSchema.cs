using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Platewatch.Geo;
using Platewatch.Reads;

namespace Platewatch.Storage.DuckDb;

/// <summary>
/// The physical row. Values are stored as small integers where the domain allows (microdegrees,
/// confidence in 1/10000, decimetres), because DuckDB bit-packs integers far tighter than floats;
/// this is most of what keeps a read under 45 bytes on disk.
/// </summary>
internal static class ReadSchema
{
    public const string Columns =
        "id UUID NOT NULL, ts BIGINT NOT NULL, plate VARCHAR NOT NULL, plate_raw VARCHAR, region VARCHAR NOT NULL, " +
        "conf USMALLINT NOT NULL, cands VARCHAR, lat INTEGER NOT NULL, lon INTEGER NOT NULL, acc USMALLINT NOT NULL, " +
        "heading USMALLINT, speed USMALLINT, vtype VARCHAR, vcolour VARCHAR, vmake VARCHAR, " +
        "camera VARCHAR NOT NULL, agency VARCHAR NOT NULL, crop VARCHAR, ctx VARCHAR";

    public const string SelectList =
        "id, ts, plate, plate_raw, region, conf, cands, lat, lon, acc, heading, speed, vtype, vcolour, vmake, camera, agency, crop, ctx";

    public const double CoordinateScale = 1e6;
    public const float ConfidenceScale = 10_000f;

    public static int ToMicroDegrees(double deg) => (int)Math.Round(deg * CoordinateScale);

    public static void Append(DuckDBAppender appender, PlateRead r)
    {
        var row = appender.CreateRow();
        row.AppendValue(r.Id.Value)
           .AppendValue(r.CapturedAt.ToUnixTimeMilliseconds())
           .AppendValue(r.Plate)
           .AppendValue(r.PlateRaw)
           .AppendValue(r.Region)
           .AppendValue((ushort)Math.Round(r.Confidence * ConfidenceScale))
           .AppendValue(EncodeCandidates(r.Candidates))
           .AppendValue(ToMicroDegrees(r.Location.Latitude))
           .AppendValue(ToMicroDegrees(r.Location.Longitude))
           .AppendValue((ushort)Math.Clamp(Math.Round(r.Location.AccuracyMeters * 10), 0, ushort.MaxValue))
           .AppendValue(r.Heading is { } h ? (ushort?)Math.Round(h * 10) : null)
           .AppendValue(r.SpeedKmh is { } s ? (ushort?)Math.Round(s * 10) : null)
           .AppendValue(r.Vehicle?.Type)
           .AppendValue(r.Vehicle?.Colour)
           .AppendValue(r.Vehicle?.Make)
           .AppendValue(r.CameraId)
           .AppendValue(r.AgencyId)
           .AppendValue(r.Images?.PlateCrop)
           .AppendValue(r.Images?.Context)
           .EndRow();
    }

    public static PlateRead ReadRow(DuckDBDataReader d)
    {
        string? S(int i) => d.IsDBNull(i) ? null : d.GetString(i);
        var vehicle = d.IsDBNull(12) && d.IsDBNull(13) && d.IsDBNull(14) ? null : new VehicleAttributes(S(12), S(13), S(14));
        var images = d.IsDBNull(17) && d.IsDBNull(18) ? null : new ImageRefs(S(17), S(18));
        return new PlateRead
        {
            Id = new ReadId(d.GetGuid(0)),
            CapturedAt = DateTimeOffset.FromUnixTimeMilliseconds(d.GetInt64(1)),
            Plate = d.GetString(2),
            PlateRaw = S(3),
            Region = d.GetString(4),
            Confidence = d.GetFieldValue<ushort>(5) / ConfidenceScale,
            Candidates = DecodeCandidates(S(6)),
            Location = new GeoPoint(d.GetInt32(7) / CoordinateScale, d.GetInt32(8) / CoordinateScale, d.GetFieldValue<ushort>(9) / 10f),
            Heading = d.IsDBNull(10) ? null : d.GetFieldValue<ushort>(10) / 10f,
            SpeedKmh = d.IsDBNull(11) ? null : d.GetFieldValue<ushort>(11) / 10f,
            Vehicle = vehicle,
            CameraId = d.GetString(15),
            AgencyId = d.GetString(16),
            Images = images,
        };
    }

    /// <summary>"PLATE:conf|PLATE:conf", confidence in 1/10000; null when there are none, which costs nothing on disk.</summary>
    public static string? EncodeCandidates(ImmutableArray<PlateCandidate> candidates)
    {
        if (candidates.IsDefaultOrEmpty) return null;
        var sb = new StringBuilder(candidates.Length * 12);
        foreach (var c in candidates)
        {
            if (sb.Length > 0) sb.Append('|');
            sb.Append(c.Plate).Append(':').Append(((int)Math.Round(c.Confidence * ConfidenceScale)).ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    public static ImmutableArray<PlateCandidate> DecodeCandidates(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded)) return [];
        var b = ImmutableArray.CreateBuilder<PlateCandidate>();
        foreach (var part in encoded.Split('|'))
        {
            int colon = part.IndexOf(':', StringComparison.Ordinal);
            b.Add(new PlateCandidate(part[..colon], int.Parse(part.AsSpan(colon + 1), CultureInfo.InvariantCulture) / ConfidenceScale));
        }
        return b.ToImmutable();
    }
}
