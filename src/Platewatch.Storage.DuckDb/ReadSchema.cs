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
        "idh BIGINT NOT NULL, idl BIGINT NOT NULL, ts BIGINT NOT NULL, plate VARCHAR NOT NULL, region UINTEGER NOT NULL, conf USMALLINT NOT NULL, " +
        "lat INTEGER NOT NULL, lon INTEGER NOT NULL, acc USMALLINT NOT NULL, camera UINTEGER NOT NULL, agency UINTEGER NOT NULL, extra VARCHAR, skel VARCHAR";

    /// <summary>
    /// Sort order of compacted and sealed partitions. The look-alike skeleton comes first so that a plate and every
    /// spelling it is misread as (O/0, B/8, ...) share one run of rows: a look-alike lookup is one range per partition
    /// instead of one per spelling, and an exact lookup narrows on the skeleton, then the plate.
    /// </summary>
    public const string SortOrder = "skel, plate, ts";

    public const string SelectList = "idh, idl, ts, plate, region, conf, lat, lon, acc, camera, agency, extra";

    /// <summary>
    /// The columns after the id in every layout, in order. Every table has the same columns in the same order, so
    /// compaction moves rows with <c>SELECT *</c>.
    /// </summary>
    public const string ColumnsAfterId = "ts, plate, region, conf, lat, lon, acc, camera, agency, extra";

    public const double CoordinateScale = 1e6;
    public const float ConfidenceScale = 10_000f;

    // Optional fields share one column: most reads have none of them, and every column costs the appender
    // a call per row whether or not it holds a value.
    private const char FieldSeparator = '\u001e';

    public static int ToMicroDegrees(double deg) => (int)Math.Round(deg * CoordinateScale);

    /// <summary>A box in stored microdegrees, rounded outward so that no read inside it is lost to rounding.</summary>
    public static (int MinLat, int MaxLat, int MinLon, int MaxLon) ToMicroDegrees(BoundingBox b) => (
        (int)Math.Floor(b.MinLatitude * CoordinateScale), (int)Math.Ceiling(b.MaxLatitude * CoordinateScale),
        (int)Math.Floor(b.MinLongitude * CoordinateScale), (int)Math.Ceiling(b.MaxLongitude * CoordinateScale));

    /// <summary>Appends one row; <paramref name="codes"/> are the dictionary codes of region, camera and agency.</summary>
    public static void Append(DuckDBAppender appender, PlateRead r, (uint Region, uint Camera, uint Agency) codes)
    {
        long ts = r.CapturedAt.ToUnixTimeMilliseconds();
        var (idh, idl) = SplitId(r.Id.Value, ts);
        appender.CreateRow()
           .AppendValue(idh)
           .AppendValue(idl)
           .AppendValue(ts)
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
           .EndRow();
    }

    public static PlateRead ReadRow(DuckDBDataReader d, ValueDictionary dict)
    {
        long ts = d.GetInt64(2);
        var read = new PlateRead
        {
            Id = new ReadId(JoinId(d.GetInt64(0), d.GetInt64(1), ts)),
            CapturedAt = DateTimeOffset.FromUnixTimeMilliseconds(ts),
            Plate = d.GetString(3),
            Region = dict.ValueOf(ValueDictionary.Region, d.GetFieldValue<uint>(4)),
            Confidence = d.GetFieldValue<ushort>(5) / ConfidenceScale,
            Location = new GeoPoint(d.GetInt32(6) / CoordinateScale, d.GetInt32(7) / CoordinateScale, d.GetFieldValue<ushort>(8) / 10f),
            CameraId = dict.ValueOf(ValueDictionary.Camera, d.GetFieldValue<uint>(9)),
            AgencyId = dict.ValueOf(ValueDictionary.Agency, d.GetFieldValue<uint>(10)),
        };
        return d.IsDBNull(11) ? read : DecodeExtra(read, d.GetString(11));
    }

    /// <summary>
    /// The id as two integers: its high half less the capture time shifted into the place a UUIDv7 keeps it, and its low
    /// half. A read's id is minted at capture, so the high half is mostly the capture time that <c>ts</c> already holds:
    /// what is left is its 16 version and random bits, which DuckDB bit-packs to about 2 bytes, where a UUID column costs
    /// 15 bytes a read. Any id round-trips exactly (the subtraction wraps), whatever its version or time.
    /// </summary>
    public static (long High, long Low) SplitId(Guid id, long ts)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        long high = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes);
        long low = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes[8..]);
        return (unchecked(high - (ts << 16)), low);
    }

    /// <summary>The id's low half, which does not depend on the time: what a lookup by id alone can match on.</summary>
    public static long IdLow(Guid id) => SplitId(id, 0).Low;

    public static Guid JoinId(long idh, long idl, long ts)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, unchecked(idh + (ts << 16)));
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes[8..], idl);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// <see cref="SplitId"/> in SQL, for a table of an earlier layout whose <c>id</c> is a UUID column: the hex halves
    /// of the UUID as unsigned integers, the wrapping subtraction in 128 bits, then back to signed 64-bit values.
    /// </summary>
    public static string SplitIdSql(string idColumn, string tsColumn)
    {
        const string Two64 = "18446744073709551616";
        const string Two63 = "9223372036854775808";
        string hex = $"replace({idColumn}::VARCHAR, '-', '')";
        string high = $"('0x' || substr({hex}, 1, 16))::UBIGINT::HUGEINT";
        string low = $"('0x' || substr({hex}, 17, 16))::UBIGINT::HUGEINT";
        string wrapped = $"((({high} - ({tsColumn}::HUGEINT << 16)) % {Two64} + {Two64}) % {Two64})";
        static string Signed(string x) => $"(CASE WHEN {x} >= {Two63} THEN {x} - {Two64} ELSE {x} END)::BIGINT";
        return $"{Signed(wrapped)} AS idh, {Signed(low)} AS idl";
    }

    /// <summary>Tagged fields ("r=ABC-1234", "h=2715", ...) joined by U+001E; null when the read has none.</summary>
    internal static string? EncodeExtra(PlateRead r)
    {
        if (r.PlateRaw is null && r.Candidates.IsDefaultOrEmpty && r.Heading is null && r.SpeedKmh is null && r.Vehicle is null && r.Images is null && r.Pass is null)
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
        Field('h', r.Heading is { } h ? ((int)Math.Round(h * 10)).ToString(inv) : null);
        Field('s', r.SpeedKmh is { } v ? ((int)Math.Round(v * 10)).ToString(inv) : null);
        Field('t', r.Vehicle?.Type);
        Field('c', r.Vehicle?.Colour);
        Field('m', r.Vehicle?.Make);
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
