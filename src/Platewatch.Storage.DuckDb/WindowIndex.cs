using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Platewatch.Geo;
using Platewatch.Query;
using Platewatch.Reads;

namespace Platewatch.Storage.DuckDb;

/// <summary>
/// A narrow copy of each sealed week, ordered by place and minute, for the analyses that look around a vehicle's reads
/// or into a small area (associates, convoys, stakeouts). A sealed week is sorted by plate, so its time span is the
/// whole week in every row group and a few minutes at one camera cost a scan of the week. Here each row carries a key of
/// (grid cell of about 1 km, minute of the week), rows are sorted by it, and the file uses small row groups: an
/// <c>IN</c> list of the keys around the target's reads lets DuckDB's per-row-group min/max skip all but the few row
/// groups that hold them.
/// <para>The copy holds what those analyses read (time, place, plate, camera, confidence, agency) but no read id,
/// which is most of a read's bytes; scans that need ids never use it. The plate is a number into the week's sorted
/// list of plates (<c>p_</c> table): in small row groups a plate string costs about 10 bytes, its number under 3.</para>
/// <para>The copies live in their own file (<c>windows.duckdb</c>) because DuckDB sets the row group size per
/// database. DuckDB writes one database per transaction, so a copy is built after its week is sealed, and
/// <c>built</c> records the row count and layout it was built from: on open, a copy whose week has since changed (a
/// crash between the two commits, a late-read merge, a purge) is rebuilt, and until then scans read the week
/// itself.</para>
/// </summary>
internal sealed class WindowIndex
{
    public const string Catalog = "pwi";
    public const string FileName = "windows.duckdb";
    private const int RowGroupSize = 8192;
    private const long MinuteMs = 60_000;

    /// <summary>Layout of a copy; a copy built in another layout is rebuilt on open.</summary>
    private const int Format = 2;

    // Cells of 0.01 degree: at most about 1.1 km, so a window of tens of metres touches one cell, or two to four at an edge.
    private const int CellMicroDegrees = 10_000;
    private const long LongitudeCells = 36_001;
    private const long MinutesPerKey = 16_384; // more than the 10,080 minutes of a week

    // Beyond this many keys a scan's IN lists cost more to plan than the weeks cost to read.
    private const long MaxKeys = 50_000;

    private readonly DuckDBConnection _root;
    private ImmutableHashSet<string> _current = ImmutableHashSet.Create<string>(StringComparer.Ordinal);
    private long _generation;

    public WindowIndex(DuckDBConnection root, string directory)
    {
        _root = root;
        Sql.Execute(root, $"ATTACH '{Sql.Text(Path.Combine(directory, FileName))}' AS {Catalog} (ROW_GROUP_SIZE {RowGroupSize})");
        Sql.Execute(root, $"CREATE TABLE IF NOT EXISTS {Catalog}.built (name VARCHAR PRIMARY KEY, rows BIGINT NOT NULL, format INTEGER NOT NULL)");
    }

    /// <summary>Whether <paramref name="table"/> has a copy built from its current rows.</summary>
    public bool Covers(string table) => _current.Contains(table);

    /// <summary>
    /// Counts invalidations. A scan that read copies checks it did not change meanwhile: if it did, a copy may have
    /// shown rows its week no longer has (a purge), and the scan is redone from the weeks themselves.
    /// </summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Stops scans using the copy of <paramref name="table"/>: called before the week's rows change.</summary>
    public void Invalidate(string table)
    {
        Interlocked.Increment(ref _generation);
        _current = _current.Remove(table);
    }

    /// <summary>Builds what is missing or stale for <paramref name="sealedTables"/> and drops copies of weeks that are gone.</summary>
    /// <returns>Whether anything was built or dropped.</returns>
    public bool Sync(IReadOnlyCollection<(string Table, long Start)> sealedTables, CancellationToken cancellationToken)
    {
        bool changed = false;
        var built = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var cmd = _root.CreateCommand())
        {
            cmd.CommandText = $"SELECT name, CASE WHEN format = {Format} THEN rows ELSE -1 END FROM {Catalog}.built";
            using var r = cmd.ExecuteReader();
            while (r.Read()) built[r.GetString(0)] = r.GetInt64(1);
        }
        var wanted = sealedTables.Select(t => t.Table).ToHashSet(StringComparer.Ordinal);
        foreach (var name in built.Keys.Where(n => !wanted.Contains(n)).ToList())
        {
            Drop(name);
            changed = true;
        }
        foreach (var (table, start) in sealedTables)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (built.TryGetValue(table, out long rows) && rows == Count(table)) _current = _current.Add(table);
            else
            {
                Build(table, start);
                changed = true;
            }
        }
        return changed;
    }

    /// <summary>(Re)builds the copy of sealed week <paramref name="table"/>, which starts at <paramref name="start"/> (epoch ms).</summary>
    public void Build(string table, long start)
    {
        Invalidate(table);
        long rows = Count(table);
        string copy = CopyName(table), plates = PlatesName(table);
        string s = start.ToString(CultureInfo.InvariantCulture);
        using (var tx = _root.BeginTransaction())
        {
            Sql.Execute(_root, $"DROP TABLE IF EXISTS {Catalog}.{copy}");
            Sql.Execute(_root, $"DROP TABLE IF EXISTS {Catalog}.{plates}");
            Sql.Execute(_root, $"CREATE TABLE {Catalog}.{plates} AS SELECT (row_number() OVER (ORDER BY plate) - 1)::UINTEGER AS pn, plate FROM (SELECT DISTINCT plate FROM {table}) ORDER BY pn");
            Sql.Execute(_root,
                $"CREATE TABLE {Catalog}.{copy} AS SELECT " +
                $"(((r.lat + 90000000) // {CellMicroDegrees})::BIGINT * {LongitudeCells} + (r.lon + 180000000) // {CellMicroDegrees}) * {MinutesPerKey} + (r.ts - {s}) // {MinuteMs} AS k, " +
                $"((r.ts - {s}) % {MinuteMs})::USMALLINT AS ms, p.pn, r.conf, r.lat, r.lon, r.acc, r.camera, r.agency " +
                $"FROM {table} r JOIN {Catalog}.{plates} p ON p.plate = r.plate ORDER BY k, ms");
            Sql.Execute(_root, $"INSERT OR REPLACE INTO {Catalog}.built VALUES ('{table}', {rows.ToString(CultureInfo.InvariantCulture)}, {Format})");
            tx.Commit();
        }
        _current = _current.Add(table);
    }

    public void Drop(string table)
    {
        Invalidate(table);
        using var tx = _root.BeginTransaction();
        Sql.Execute(_root, $"DROP TABLE IF EXISTS {Catalog}.{CopyName(table)}");
        Sql.Execute(_root, $"DROP TABLE IF EXISTS {Catalog}.{PlatesName(table)}");
        Sql.Execute(_root, $"DELETE FROM {Catalog}.built WHERE name = '{table}'");
        tx.Commit();
    }

    public void Checkpoint() => Sql.Execute(_root, $"CHECKPOINT {Catalog}");

    /// <summary>
    /// The reads of <paramref name="tables"/> (sealed weeks this index covers, with their start in epoch ms) that fall in
    /// a window of <paramref name="filter"/>, its range [<paramref name="from"/>, <paramref name="to"/>) and area, for
    /// <paramref name="agencyCodes"/>. Ids are <c>default</c>. Null when the windows span more keys than one
    /// <c>IN</c> list should carry (large areas or long spans): the caller then reads the weeks themselves.
    /// </summary>
    public static async Task<List<Sighting>?> ScanAsync(
        DuckDBConnection conn,
        IReadOnlyList<(string Table, long Start, long End)> tables,
        ScanFilter filter,
        long from,
        long to,
        IReadOnlyList<uint> agencyCodes,
        ValueDictionary dict,
        CancellationToken cancellationToken)
    {
        var found = new List<Sighting>();
        if (agencyCodes.Count == 0) return found;
        var boxes = filter.Windows.Select(w =>
            {
                var m = ReadSchema.ToMicroDegrees(w.Box);
                return (T0: Math.Max(w.From.ToUnixTimeMilliseconds(), from), T1: Math.Min(w.To.ToUnixTimeMilliseconds(), to),
                    La0: m.MinLat, La1: m.MaxLat, Lo0: m.MinLon, Lo1: m.MaxLon);
            })
            .Where(b => b.T1 > b.T0).ToArray();
        long keyBound = 0;
        foreach (var b in boxes)
        {
            keyBound += ((b.T1 - b.T0) / MinuteMs + 2)
                * (Cell(b.La1, 90_000_000) - Cell(b.La0, 90_000_000) + 1)
                * (Cell(b.Lo1, 180_000_000) - Cell(b.Lo0, 180_000_000) + 1);
            if (keyBound > MaxKeys) return null;
        }
        string agencies = string.Join(", ", agencyCodes.Select(c => c.ToString(CultureInfo.InvariantCulture)));
        foreach (var (table, start, end) in tables)
        {
            // Key to the windows that produced it, for the exact test of each row returned.
            var keys = new Dictionary<long, List<int>>();
            for (int i = 0; i < boxes.Length; i++)
            {
                var b = boxes[i];
                long t0 = Math.Max(b.T0, start), t1 = Math.Min(b.T1, end);
                if (t1 <= t0) continue;
                for (long m = (t0 - start) / MinuteMs; m <= (t1 - 1 - start) / MinuteMs; m++)
                {
                    for (long la = Cell(b.La0, 90_000_000); la <= Cell(b.La1, 90_000_000); la++)
                    {
                        for (long lo = Cell(b.Lo0, 180_000_000); lo <= Cell(b.Lo1, 180_000_000); lo++)
                        {
                            long k = ((la * LongitudeCells) + lo) * MinutesPerKey + m;
                            if (!keys.TryGetValue(k, out var list)) keys[k] = list = [];
                            list.Add(i);
                        }
                    }
                }
            }
            if (keys.Count == 0) continue;
            // The key holds the minute; the row holds only the milliseconds within it.
            var sql = new StringBuilder("SELECT k, ms, pn, conf, lat, lon, acc, camera FROM ")
                .Append(Catalog).Append('.').Append(CopyName(table))
                .Append(" WHERE agency IN (").Append(agencies).Append(") AND k IN (");
            bool first = true;
            foreach (long k in keys.Keys.Order())
            {
                if (!first) sql.Append(',');
                sql.Append(k.ToString(CultureInfo.InvariantCulture));
                first = false;
            }
            sql.Append(')');
            if (filter.MinConfidence > 0)
                sql.Append(" AND conf >= ").Append(((long)Math.Ceiling(filter.MinConfidence * ReadSchema.ConfidenceScale - 0.5)).ToString(CultureInfo.InvariantCulture));
            var rows = new List<(long Ts, uint Pn, ushort Conf, int Lat, int Lon, ushort Acc, uint Camera)>();
            using (var cmd = conn.CreateCommand())
            {
                cmd.CommandText = sql.ToString();
                using var reader = (DuckDBDataReader)await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    long k = reader.GetInt64(0);
                    long ts = start + (k % MinutesPerKey * MinuteMs) + reader.GetFieldValue<ushort>(1);
                    int lat = reader.GetInt32(4), lon = reader.GetInt32(5);
                    bool inside = false;
                    foreach (int i in keys[k])
                    {
                        var b = boxes[i];
                        if (ts >= b.T0 && ts < b.T1 && lat >= b.La0 && lat <= b.La1 && lon >= b.Lo0 && lon <= b.Lo1)
                        {
                            inside = true;
                            break;
                        }
                    }
                    if (!inside) continue;
                    if (filter.Area is { } area && !area.Contains(lat / ReadSchema.CoordinateScale, lon / ReadSchema.CoordinateScale)) continue;
                    rows.Add((ts, reader.GetFieldValue<uint>(2), reader.GetFieldValue<ushort>(3), lat, lon, reader.GetFieldValue<ushort>(6), reader.GetFieldValue<uint>(7)));
                }
            }
            if (rows.Count == 0) continue;
            var plates = await PlatesAsync(conn, table, rows.Select(r => r.Pn), cancellationToken).ConfigureAwait(false);
            foreach (var r in rows)
            {
                found.Add(new Sighting(
                    default,
                    plates[r.Pn],
                    DateTimeOffset.FromUnixTimeMilliseconds(r.Ts),
                    new GeoPoint(r.Lat / ReadSchema.CoordinateScale, r.Lon / ReadSchema.CoordinateScale, r.Acc / 10f),
                    dict.ValueOf(ValueDictionary.Camera, r.Camera),
                    r.Conf / ReadSchema.ConfidenceScale));
            }
        }
        return found;
    }

    /// <summary>The plates behind the numbers <paramref name="numbers"/> of week <paramref name="table"/>.</summary>
    private static async Task<Dictionary<uint, string>> PlatesAsync(DuckDBConnection conn, string table, IEnumerable<uint> numbers, CancellationToken cancellationToken)
    {
        var plates = new Dictionary<uint, string>();
        var sql = new StringBuilder("SELECT pn, plate FROM ").Append(Catalog).Append('.').Append(PlatesName(table)).Append(" WHERE pn IN (");
        bool first = true;
        foreach (uint pn in numbers.Distinct().Order())
        {
            if (!first) sql.Append(',');
            sql.Append(pn.ToString(CultureInfo.InvariantCulture));
            first = false;
        }
        sql.Append(')');
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql.ToString();
        using var reader = (DuckDBDataReader)await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) plates[reader.GetFieldValue<uint>(0)] = reader.GetString(1);
        return plates;
    }

    private static long Cell(int microDegrees, int offset) => ((long)microDegrees + offset) / CellMicroDegrees;

    private static string CopyName(string table) => "i_" + table[2..];

    private static string PlatesName(string table) => "p_" + table[2..];

    private long Count(string table) => Sql.Scalar<long>(_root, $"SELECT count(*) FROM {table}");
}
