using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Platewatch.Geo;
using Platewatch.Plates;
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
        "id UUID NOT NULL, ts BIGINT NOT NULL, plate VARCHAR NOT NULL, region UINTEGER NOT NULL, conf USMALLINT NOT NULL, " +
        "lat INTEGER NOT NULL, lon INTEGER NOT NULL, acc USMALLINT NOT NULL, camera UINTEGER NOT NULL, agency UINTEGER NOT NULL, extra VARCHAR, skel VARCHAR, " +
        "vehicle VARCHAR, heading SMALLINT, speed SMALLINT";

    /// <summary>Columns added after the first layout, in order, with their types: a store opened without them gets them.</summary>
    public static readonly IReadOnlyList<(string Name, string Type)> AddedColumns = [("vehicle", "VARCHAR"), ("heading", "SMALLINT"), ("speed", "SMALLINT")];

    /// <summary>
    /// Sort order of compacted and sealed partitions. The look-alike skeleton comes first so that a plate and every
    /// spelling it is misread as (O/0, B/8, ...) share one run of rows: a look-alike lookup is one range per partition
    /// instead of one per spelling, and an exact lookup narrows on the skeleton, then the plate.
    /// </summary>
    public const string SortOrder = "skel, plate, ts";

    public const string SelectList = "id, ts, plate, region, conf, lat, lon, acc, camera, agency, extra, vehicle, heading, speed";

    public const double CoordinateScale = 1e6;
    public const float ConfidenceScale = 10_000f;

    // The rare optional fields (raw text, candidates, images, pass) share one column: most reads have none of them, and
    // every column costs the appender a call per row whether or not it holds a value. The vehicle's description,
    // heading and speed come with most reads from most cameras and have columns of their own: packed into the shared
    // string with the rest they cost about 9 bytes a read, while in a column of their own the sorted rows of one
    // vehicle repeat its description and DuckDB stores it once per run.
    private const char FieldSeparator = '\u001e';
    private const char VehicleSeparator = '\u001f';

    public static int ToMicroDegrees(double deg) => (int)Math.Round(deg * CoordinateScale);

    /// <summary>Appends one row; <paramref name="codes"/> are the dictionary codes of region, camera and agency.</summary>
    public static void Append(DuckDBAppender appender, PlateRead r, (uint Region, uint Camera, uint Agency) codes)
    {
        appender.CreateRow()
           .AppendValue(r.Id.Value)
           .AppendValue(r.CapturedAt.ToUnixTimeMilliseconds())
           .AppendValue(r.Plate)
           .AppendValue(codes.Region)
           .AppendValue((ushort)Math.Round(r.Confidence * ConfidenceScale))
           .AppendValue(ToMicroDegrees(r.Location.Latitude))
           .AppendValue(ToMicroDegrees(r.Location.Longitude))
           .AppendValue((ushort)Math.Clamp(Math.Round(r.Location.AccuracyMeters * 10), 0, ushort.MaxValue))
           .AppendValue(codes.Camera)
           .AppendValue(codes.Agency)
           .AppendValue(EncodeExtra(r))
           .AppendValue(PlateText.Skeleton(r.Plate))
           .AppendValue(EncodeVehicle(r.Vehicle))
           .AppendValue(r.Heading is { } h ? (short?)Math.Clamp(Math.Round(h * 10), short.MinValue, short.MaxValue) : null)
           .AppendValue(r.SpeedKmh is { } v ? (short?)Math.Clamp(Math.Round(v * 10), short.MinValue, short.MaxValue) : null)
           .EndRow();
    }

    public static PlateRead ReadRow(DuckDBDataReader d, ValueDictionary dict)
    {
        var read = new PlateRead
        {
            Id = new ReadId(d.GetGuid(0)),
            CapturedAt = DateTimeOffset.FromUnixTimeMilliseconds(d.GetInt64(1)),
            Plate = d.GetString(2),
            Region = dict.ValueOf(ValueDictionary.Region, d.GetFieldValue<uint>(3)),
            Confidence = d.GetFieldValue<ushort>(4) / ConfidenceScale,
            Location = new GeoPoint(d.GetInt32(5) / CoordinateScale, d.GetInt32(6) / CoordinateScale, d.GetFieldValue<ushort>(7) / 10f),
            CameraId = dict.ValueOf(ValueDictionary.Camera, d.GetFieldValue<uint>(8)),
            AgencyId = dict.ValueOf(ValueDictionary.Agency, d.GetFieldValue<uint>(9)),
        };
        if (!d.IsDBNull(10)) read = DecodeExtra(read, d.GetString(10));
        // Rows written before these columns keep the fields in the shared string, decoded above.
        if (!d.IsDBNull(11)) read = read with { Vehicle = DecodeVehicle(d.GetString(11)) };
        if (!d.IsDBNull(12)) read = read with { Heading = d.GetInt16(12) / 10f };
        if (!d.IsDBNull(13)) read = read with { SpeedKmh = d.GetInt16(13) / 10f };
        return read;
    }

    private static string? EncodeVehicle(VehicleAttributes? v) =>
        v is null ? null : string.Concat(v.Type, VehicleSeparator.ToString(), v.Colour, VehicleSeparator.ToString(), v.Make);

    private static VehicleAttributes DecodeVehicle(string s)
    {
        string[] f = s.Split(VehicleSeparator);
        static string? Field(string[] f, int i) => i < f.Length && f[i].Length > 0 ? f[i] : null;
        return new VehicleAttributes(Field(f, 0), Field(f, 1), Field(f, 2));
    }

    /// <summary>Tagged fields ("r=ABC-1234", "h=2715", ...) joined by U+001E; null when the read has none.</summary>
    internal static string? EncodeExtra(PlateRead r)
    {
        if (r.PlateRaw is null && r.Candidates.IsDefaultOrEmpty && r.Images is null && r.Pass is null)
            return null;
        var sb = new StringBuilder(64);
        void Field(char tag, string? value)
        {
            if (value is null) return;
            if (sb.Length > 0) sb.Append(FieldSeparator);
            sb.Append(tag).Append('=').Append(value);
        }
        var inv = CultureInfo.InvariantCulture;
        Field('r', r.PlateRaw);
        Field('k', EncodeCandidates(r.Candidates));
        Field('i', r.Images?.PlateCrop);
        Field('x', r.Images?.Context);
        // "first,last,direction,parked,frames": times as milliseconds after capture, which stay small.
        Field('p', r.Pass is { } p ? string.Create(inv,
            $"{(r.CapturedAt - p.FirstSeen).Ticks / TimeSpan.TicksPerMillisecond},{(p.LastSeen - r.CapturedAt).Ticks / TimeSpan.TicksPerMillisecond},{p.Direction},{(p.Parked ? 1 : 0)},{p.Frames}") : null);
        return sb.ToString();
    }

    internal static PlateRead DecodeExtra(PlateRead read, string extra)
    {
        string? raw = null, type = null, colour = null, make = null, crop = null, ctx = null;
        float? heading = null, speed = null;
        var candidates = ImmutableArray<PlateCandidate>.Empty;
        VehiclePass? pass = null;
        foreach (var part in extra.Split(FieldSeparator))
        {
            if (part.Length < 2) continue;
            string v = part[2..];
            switch (part[0])
            {
                case 'r': raw = v; break;
                case 'k': candidates = DecodeCandidates(v); break;
                case 'h': heading = int.Parse(v, CultureInfo.InvariantCulture) / 10f; break;
                case 's': speed = int.Parse(v, CultureInfo.InvariantCulture) / 10f; break;
                case 't': type = v; break;
                case 'c': colour = v; break;
                case 'm': make = v; break;
                case 'i': crop = v; break;
                case 'x': ctx = v; break;
                case 'p': pass = DecodePass(read.CapturedAt, v); break;
            }
        }
        return read with
        {
            PlateRaw = raw,
            Candidates = candidates,
            Heading = heading,
            SpeedKmh = speed,
            Vehicle = type is null && colour is null && make is null ? null : new VehicleAttributes(type, colour, make),
            Images = crop is null && ctx is null ? null : new ImageRefs(crop, ctx),
            Pass = pass,
        };
    }

    private static VehiclePass DecodePass(DateTimeOffset capturedAt, string v)
    {
        string[] f = v.Split(',');
        var inv = CultureInfo.InvariantCulture;
        return new VehiclePass(
            capturedAt.AddMilliseconds(-long.Parse(f[0], inv)),
            capturedAt.AddMilliseconds(long.Parse(f[1], inv)),
            f[2].Length == 0 ? null : f[2],
            f[3] == "1",
            int.Parse(f[4], inv));
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
