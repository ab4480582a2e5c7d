using System.Collections.Immutable;
using System.Data.Common;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Platewatch.Geo;
using Platewatch.Plates;
using Platewatch.Query;
using Platewatch.Reads;

namespace Platewatch.Storage.DuckDb;

public sealed record DuckDbStoreOptions
{
    /// <summary>A day's arrival-order table is compacted into its month once reads this much newer have arrived.</summary>
    public TimeSpan CompactionGrace { get; init; } = TimeSpan.FromHours(1);

    /// <summary>DuckDB's memory limit, e.g. "4GB". Null: DuckDB's default (80 % of RAM).</summary>
    public string? MemoryLimit { get; init; }

    public int? Threads { get; init; }

    /// <summary>Rows per DuckDB row group (a multiple of 2048). Smaller groups prune finer and compress a little worse.</summary>
    public int RowGroupSize { get; init; } = 16_384;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// The embedded read store: one DuckDB file, no server.
/// <para>Layout (see docs/architecture.md): reads arrive into a per-day table in arrival order
/// (<c>r_YYYYMMDD</c>). Once the data has moved an hour past a day, that day is compacted, sorted by
/// (plate, ts), onto the end of its month table (<c>m_YYYYMM</c>). A month table is therefore a run of
/// day-chunks, each in plate order: DuckDB's per-row-group min/max on <c>ts</c> finds the day, and its
/// min/max on <c>plate</c> finds the plate inside the day, so plate history and place-and-time queries
/// both read only a few row groups. Retention drops whole month tables.</para>
/// </summary>
public sealed class DuckDbReadStore : IReadStore
{
    private const string DatabaseFile = "reads.duckdb";
    private const string EmptyTable = "reads_empty";
    private const string Catalog = "pw";
    private const long DayMs = 86_400_000L;

    private readonly DuckDBConnection _root;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly DuckDbStoreOptions _options;
    private readonly string _file;
    private readonly SortedSet<string> _recent = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _months = new(StringComparer.Ordinal);
    private readonly Dictionary<int, IdFilter> _filters = [];
    private readonly ValueDictionary _dict = new();
    private long _newestTs = long.MinValue;
    private bool _disposed;

    private DuckDbReadStore(string directory, DuckDbStoreOptions options)
    {
        _options = options;
        Directory.CreateDirectory(directory);
        _file = Path.Combine(directory, DatabaseFile);
        // Opened through ATTACH because only ATTACH takes a row group size. Small row groups make DuckDB's
        // per-row-group min/max fine-grained enough to find one plate inside a day-chunk (see docs/architecture.md).
        _root = new DuckDBConnection("Data Source=:memory:");
        _root.Open();
        Execute(_root, $"ATTACH '{SqlText(_file)}' AS {Catalog} (ROW_GROUP_SIZE {options.RowGroupSize.ToString(CultureInfo.InvariantCulture)})");
        Execute(_root, $"USE {Catalog}");
        Execute(_root, $"CREATE TABLE IF NOT EXISTS {EmptyTable} ({ReadSchema.Columns})");
        Execute(_root, ValueDictionary.Schema);
        _dict.Load(_root);
        if (options.MemoryLimit is { } m) Execute(_root, $"SET memory_limit = '{SqlText(m)}'");
        if (options.Threads is { } t) Execute(_root, $"SET threads = {t.ToString(CultureInfo.InvariantCulture)}");
        LoadCatalog();
    }

    public string DatabasePath => _file;

    /// <summary>Opens (creating if needed) the store in <paramref name="directory"/>. One process at a time may open it.</summary>
    public static DuckDbReadStore Open(string directory, DuckDbStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        try
        {
            return new DuckDbReadStore(directory, options ?? new DuckDbStoreOptions());
        }
        catch (DuckDBException ex) when (ex.Message.Contains("lock", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("in use", StringComparison.OrdinalIgnoreCase))
        {
            throw new IOException($"The data directory {directory} is in use by another Platewatch process (DuckDB allows one writer). Stop it, or search through its server instead.", ex);
        }
    }

    public async Task<AppendResult> AppendAsync(IReadOnlyList<PlateRead> reads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reads);
        ObjectDisposedException.ThrowIf(_disposed, this);
        PlateReadValidator.ThrowIfInvalid(reads, _options.Time.GetUtcNow());
        if (reads.Count == 0) return AppendResult.Empty;
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var duplicate = FindDuplicates(reads);
            var byDay = new SortedDictionary<string, List<PlateRead>>(StringComparer.Ordinal);
            long newest = _newestTs;
            long lastDay = long.MinValue;
            string lastTable = "";
            for (int i = 0; i < reads.Count; i++)
            {
                var r = reads[i];
                if (duplicate[i]) continue;
                long ts = r.CapturedAt.ToUnixTimeMilliseconds();
                string table = DayTable(ts, ref lastDay, ref lastTable);
                if (!byDay.TryGetValue(table, out var list)) byDay[table] = list = new List<PlateRead>(reads.Count);
                list.Add(r);
                newest = Math.Max(newest, ts);
            }

            // No explicit transaction: DuckDB's appender runs at half speed inside one. Each day's appender
            // commits on close; the batch is acknowledged only after all have, and a batch cut short by a
            // crash is resent by its sender and completed by the duplicate check.
            bool created = false;
            foreach (var table in byDay.Keys)
            {
                if (_recent.Add(table))
                {
                    Execute(_root, $"CREATE TABLE IF NOT EXISTS {table} ({ReadSchema.Columns})");
                    created = true;
                }
            }
            if (created) RebuildView();
            foreach (var (table, list) in byDay)
            {
                using var appender = _root.CreateAppender(table);
                string lastRegion = "", lastCamera = "", lastAgency = "";
                uint region = 0, camera = 0, agency = 0;
                foreach (var r in list)
                {
                    // Consecutive reads usually share these; skip the dictionary lookup when they do.
                    if (!ReferenceEquals(r.Region, lastRegion)) { region = _dict.GetOrAdd(_root, ValueDictionary.Region, r.Region); lastRegion = r.Region; }
                    if (!ReferenceEquals(r.CameraId, lastCamera)) { camera = _dict.GetOrAdd(_root, ValueDictionary.Camera, r.CameraId); lastCamera = r.CameraId; }
                    if (!ReferenceEquals(r.AgencyId, lastAgency)) { agency = _dict.GetOrAdd(_root, ValueDictionary.Agency, r.AgencyId); lastAgency = r.AgencyId; }
                    ReadSchema.Append(appender, r, (region, camera, agency));
                }
            }

            int added = byDay.Values.Sum(l => l.Count);
            _newestTs = newest;
            CompactEligible(force: false, cancellationToken);
            var dupIds = added == reads.Count ? [] : reads.Where((_, i) => duplicate[i]).Select(r => r.Id).ToImmutableArray();
            return new AppendResult(added, reads.Count - added, dupIds);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Compacts every arrival-order day into its month now, whatever its age (used before benchmarks and at shutdown).</summary>
    public async Task CompactAllAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            CompactEligible(force: true, cancellationToken);
            Execute(_root, "CHECKPOINT");
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<ReadPage> QueryAsync(AuthorizedQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var q = query.Query;
        q.Validate();
        if (query.Agencies.IsDefaultOrEmpty) return new ReadPage([], null);
        using var conn = OpenReader();
        var results = ImmutableArray.CreateBuilder<PlateRead>(Math.Min(q.Limit, 1024));
        var after = q.After;
        bool exactInSql = q.Area is not PolygonArea;
        while (true)
        {
            using var cmd = conn.CreateCommand();
            BuildQuery(cmd, query, after, q.Limit);
            int rows = 0;
            PlateRead? last = null;
            using (var reader = (DuckDBDataReader)await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var r = ReadSchema.ReadRow(reader, _dict);
                    rows++;
                    last = r;
                    if (!exactInSql && !q.Area!.Contains(r.Location.Latitude, r.Location.Longitude)) continue;
                    results.Add(r);
                    if (results.Count == q.Limit) break;
                }
            }
            if (results.Count == q.Limit)
            {
                var tail = results[^1];
                return new ReadPage(results.ToImmutable(), new ReadCursor(tail.CapturedAt, tail.Id));
            }
            // Only a polygon filters after SQL; keep paging until the page is full or the data runs out.
            if (exactInSql || rows < q.Limit || last is null) return new ReadPage(results.ToImmutable(), null);
            after = new ReadCursor(last.CapturedAt, last.Id);
        }
    }

    public async Task<long> PurgeOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long cut = cutoff.ToUnixTimeMilliseconds();
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long deleted = 0;
            using (var tx = _root.BeginTransaction())
            {
                foreach (var table in _months.Concat(_recent).ToList())
                {
                    var (start, end) = TableSpan(table);
                    if (start >= cut) continue;
                    if (end <= cut)
                    {
                        deleted += Scalar<long>(_root, $"SELECT count(*) FROM {table}");
                        Execute(_root, $"DROP TABLE {table}");
                        _months.Remove(table);
                        _recent.Remove(table);
                        if (table[0] == 'm') _filters.Remove(MonthKey(start));
                    }
                    else
                    {
                        using var cmd = _root.CreateCommand();
                        cmd.CommandText = $"DELETE FROM {table} WHERE ts < $cut";
                        cmd.Parameters.Add(new DuckDBParameter("cut", cut));
                        deleted += cmd.ExecuteNonQuery();
                    }
                }
                RebuildView();
                tx.Commit();
            }
            Execute(_root, "CHECKPOINT");
            return deleted;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public Task<StoreStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var conn = OpenReader();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT count(*), min(ts), max(ts), approx_count_distinct(plate), count(DISTINCT camera) FROM reads";
        using var r = cmd.ExecuteReader();
        r.Read();
        long n = r.GetInt64(0);
        DateTimeOffset? oldest = r.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1));
        DateTimeOffset? newest = r.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2));
        long plates = r.IsDBNull(3) ? 0 : Convert.ToInt64(r.GetValue(3), CultureInfo.InvariantCulture);
        long cameras = r.GetInt64(4);
        // Blocks in use, not the file's length: DuckDB reuses the blocks freed by compaction and purges but
        // never shrinks the file, so the length overstates what the reads occupy.
        long bytes = FileSize(_file + ".wal");
        using (var size = conn.CreateCommand())
        {
            size.CommandText = $"SELECT used_blocks, block_size FROM pragma_database_size() WHERE database_name = '{Catalog}'";
            using var sr = size.ExecuteReader();
            if (sr.Read()) bytes += Convert.ToInt64(sr.GetValue(0), CultureInfo.InvariantCulture) * Convert.ToInt64(sr.GetValue(1), CultureInfo.InvariantCulture);
        }
        return Task.FromResult(new StoreStats(n, oldest, newest, bytes, _months.Count + _recent.Count, plates, cameras));
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            try { Execute(_root, "CHECKPOINT"); } catch (DuckDBException) { /* the WAL replays on next open */ }
            _root.Dispose();
        }
        finally
        {
            _writeGate.Release();
        }
        _writeGate.Dispose();
    }

    private void BuildQuery(DuckDBCommand cmd, AuthorizedQuery aq, ReadCursor? after, int limit)
    {
        var q = aq.Query;
        var sql = new StringBuilder("SELECT ").Append(ReadSchema.SelectList).Append(" FROM reads WHERE ts >= $from AND ts < $to");
        Add(cmd, "from", q.Range.From.ToUnixTimeMilliseconds());
        Add(cmd, "to", q.Range.To.ToUnixTimeMilliseconds());

        AppendCodes(cmd, sql, "agency", "ag", ValueDictionary.Agency, aq.Agencies);

        if (q.Plate is { } p)
        {
            switch (p.Kind)
            {
                case PlateMatchKind.Exact:
                    sql.Append(" AND plate = $plate");
                    Add(cmd, "plate", p.Text);
                    break;
                case PlateMatchKind.Wildcard:
                    string prefix = p.LiteralPrefix;
                    if (prefix.Length > 0)
                    {
                        // A range on the literal prefix lets the per-row-group min/max skip most of each day.
                        sql.Append(" AND plate >= $pfrom AND plate < $pto");
                        Add(cmd, "pfrom", prefix);
                        Add(cmd, "pto", prefix[..^1] + (char)(prefix[^1] + 1));
                    }
                    sql.Append(" AND plate LIKE $like");
                    Add(cmd, "like", p.ToSqlLike());
                    break;
                default:
                    var (from, to) = PlateText.SkeletonTranslation();
                    sql.Append(" AND length(plate) BETWEEN $lmin AND $lmax AND levenshtein(translate(plate, $tfrom, $tto), $skel) <= $edits");
                    Add(cmd, "lmin", (long)(p.Text.Length - p.MaxEdits));
                    Add(cmd, "lmax", (long)(p.Text.Length + p.MaxEdits));
                    Add(cmd, "tfrom", from);
                    Add(cmd, "tto", to);
                    Add(cmd, "skel", PlateText.Skeleton(p.Text));
                    Add(cmd, "edits", (long)p.MaxEdits);
                    break;
            }
        }

        if (q.Area is { } area)
        {
            var b = area.Bounds;
            sql.Append(" AND lat BETWEEN $minlat AND $maxlat AND lon BETWEEN $minlon AND $maxlon");
            Add(cmd, "minlat", (long)Math.Floor(b.MinLatitude * ReadSchema.CoordinateScale));
            Add(cmd, "maxlat", (long)Math.Ceiling(b.MaxLatitude * ReadSchema.CoordinateScale));
            Add(cmd, "minlon", (long)Math.Floor(b.MinLongitude * ReadSchema.CoordinateScale));
            Add(cmd, "maxlon", (long)Math.Ceiling(b.MaxLongitude * ReadSchema.CoordinateScale));
            if (area is RadiusArea radius)
            {
                sql.Append(" AND 2 * 6371008.8 * asin(least(1.0, sqrt(pow(sin(radians(lat / 1e6 - $clat) / 2), 2) + " +
                           "cos(radians($clat)) * cos(radians(lat / 1e6)) * pow(sin(radians(lon / 1e6 - $clon) / 2), 2)))) <= $radius");
                Add(cmd, "clat", radius.Center.Latitude);
                Add(cmd, "clon", radius.Center.Longitude);
                Add(cmd, "radius", radius.RadiusMeters);
            }
        }

        if (!q.Cameras.IsDefaultOrEmpty) AppendCodes(cmd, sql, "camera", "cam", ValueDictionary.Camera, q.Cameras);

        if (q.MinConfidence > 0)
        {
            sql.Append(" AND conf >= $minconf");
            Add(cmd, "minconf", (long)Math.Ceiling(q.MinConfidence * ReadSchema.ConfidenceScale - 0.5));
        }

        if (after is { } a)
        {
            sql.Append(" AND (ts > $ats OR (ts = $ats AND id > $aid))");
            Add(cmd, "ats", a.CapturedAt.ToUnixTimeMilliseconds());
            Add(cmd, "aid", a.Id.Value);
        }

        sql.Append(" ORDER BY ts, id LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        cmd.CommandText = sql.ToString();
    }

    /// <summary>A connection of its own for each reader: DuckDB connections are not thread-safe, but many may share the database.</summary>
    private DuckDBConnection OpenReader()
    {
        var conn = _root.Duplicate();
        if (conn.State != System.Data.ConnectionState.Open) conn.Open();
        Execute(conn, $"USE {Catalog}");
        return conn;
    }

    /// <summary>"AND column IN (codes)"; names never stored match nothing.</summary>
    private void AppendCodes(DuckDBCommand cmd, StringBuilder sql, string column, string prefix, byte kind, ImmutableArray<string> names)
    {
        sql.Append(" AND ").Append(column).Append(" IN (");
        int n = 0;
        foreach (string name in names)
        {
            if (!_dict.TryGetCode(kind, name, out uint code)) continue;
            string p = prefix + n.ToString(CultureInfo.InvariantCulture);
            sql.Append(n++ == 0 ? "$" : ", $").Append(p);
            Add(cmd, p, code);
        }
        if (n == 0) sql.Append("NULL");
        sql.Append(')');
    }

    private static void Add(DuckDBCommand cmd, string name, object value) => cmd.Parameters.Add(new DuckDBParameter(name, value));

    /// <summary>Which reads of the batch are already stored, or repeat an earlier read of the batch. The Bloom filter
    /// clears almost all ids at once; the rest are checked exactly against the store, within a day either side
    /// of their capture time.</summary>
    private bool[] FindDuplicates(IReadOnlyList<PlateRead> reads)
    {
        var duplicate = new bool[reads.Count];
        var seen = new HashSet<Guid>(reads.Count);
        var suspects = new List<PlateRead>();
        long lastMonthTs = long.MinValue;
        IdFilter? lastFilter = null;
        for (int i = 0; i < reads.Count; i++)
        {
            var r = reads[i];
            if (!seen.Add(r.Id.Value)) duplicate[i] = true;
            // Added before the rows are stored: if storing fails, the filter only gains a false positive.
            else if (!FilterFor(r.CapturedAt.ToUnixTimeMilliseconds(), ref lastMonthTs, ref lastFilter).TryAdd(r.Id.Value)) suspects.Add(r);
        }
        if (suspects.Count == 0) return duplicate;

        Execute(_root, "CREATE TEMP TABLE IF NOT EXISTS dup_check (id UUID)");
        Execute(_root, "DELETE FROM dup_check");
        using (var app = _root.CreateAppender("dup_check"))
        {
            foreach (var s in suspects) app.CreateRow().AppendValue(s.Id.Value).EndRow();
        }
        using var cmd = _root.CreateCommand();
        cmd.CommandText = "SELECT DISTINCT r.id FROM reads r SEMI JOIN dup_check d ON r.id = d.id WHERE r.ts BETWEEN $lo AND $hi";
        Add(cmd, "lo", suspects.Min(s => s.CapturedAt.ToUnixTimeMilliseconds()) - DayMs);
        Add(cmd, "hi", suspects.Max(s => s.CapturedAt.ToUnixTimeMilliseconds()) + DayMs);
        var stored = new HashSet<Guid>();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read()) stored.Add(reader.GetGuid(0));
        }
        if (stored.Count > 0)
        {
            for (int i = 0; i < reads.Count; i++) duplicate[i] |= stored.Contains(reads[i].Id.Value);
        }
        return duplicate;
    }

    private IdFilter FilterFor(long ts, ref long lastDayStart, ref IdFilter? last)
    {
        // Reads of one batch are mostly from one day: reuse the filter found for the previous read.
        if (last is not null && ts >= lastDayStart && ts < lastDayStart + DayMs) return last;
        lastDayStart = ts - (((ts % DayMs) + DayMs) % DayMs);
        return last = FilterFor(ts);
    }

    private IdFilter FilterFor(long ts)
    {
        int key = MonthKey(ts);
        if (_filters.TryGetValue(key, out var f)) return f;
        f = new IdFilter();
        // Built lazily from what is stored, so a crash can never leave the filter missing a committed id.
        string month = MonthTable(ts);
        var tables = _recent.Where(t => t.AsSpan(2, 6).SequenceEqual(month.AsSpan(2, 6))).ToList();
        if (_months.Contains(month)) tables.Add(month);
        foreach (var t in tables)
        {
            using var cmd = _root.CreateCommand();
            cmd.CommandText = $"SELECT id FROM {t}";
            using var r = cmd.ExecuteReader();
            while (r.Read()) f.Add(r.GetGuid(0));
        }
        _filters[key] = f;
        return f;
    }

    private void CompactEligible(bool force, CancellationToken cancellationToken)
    {
        long graceMs = (long)_options.CompactionGrace.TotalMilliseconds;
        foreach (var day in _recent.ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (_, end) = TableSpan(day);
            if (!force && end + graceMs > _newestTs) continue;
            string month = MonthTable(end - 1);
            using var tx = _root.BeginTransaction();
            Execute(_root, $"CREATE TABLE IF NOT EXISTS {month} ({ReadSchema.Columns})");
            Execute(_root, $"INSERT INTO {month} SELECT * FROM {day} ORDER BY plate, ts");
            Execute(_root, $"DROP TABLE {day}");
            _recent.Remove(day);
            _months.Add(month);
            RebuildView();
            tx.Commit();
        }
    }

    private void RebuildView()
    {
        var sb = new StringBuilder("CREATE OR REPLACE VIEW reads AS SELECT * FROM ").Append(EmptyTable);
        foreach (var t in _months.Concat(_recent)) sb.Append(" UNION ALL SELECT * FROM ").Append(t);
        Execute(_root, sb.ToString());
    }

    private void LoadCatalog()
    {
        using var cmd = _root.CreateCommand();
        cmd.CommandText = $"SELECT table_name FROM duckdb_tables() WHERE database_name = '{Catalog}' AND schema_name = 'main' AND NOT temporary";
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                string name = r.GetString(0);
                if (name.Length == 10 && name.StartsWith("r_", StringComparison.Ordinal)) _recent.Add(name);
                else if (name.Length == 8 && name.StartsWith("m_", StringComparison.Ordinal)) _months.Add(name);
            }
        }
        RebuildView();
        if (_recent.Count + _months.Count > 0)
            _newestTs = Scalar<long?>(_root, "SELECT max(ts) FROM reads") ?? long.MinValue;
    }

    /// <summary>Day table of <paramref name="ts"/>, reusing the previous answer: a batch is mostly one day.</summary>
    private static string DayTable(long ts, ref long lastDay, ref string lastTable)
    {
        long day = Math.DivRem(ts, DayMs, out long rem) - (rem < 0 ? 1 : 0);
        if (day != lastDay)
        {
            lastDay = day;
            lastTable = DayTable(ts);
        }
        return lastTable;
    }

    private static string DayTable(long ts)
    {
        var d = DateTimeOffset.FromUnixTimeMilliseconds(ts).UtcDateTime;
        return "r_" + d.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
    }

    private static string MonthTable(long ts)
    {
        var d = DateTimeOffset.FromUnixTimeMilliseconds(ts).UtcDateTime;
        return "m_" + d.ToString("yyyyMM", CultureInfo.InvariantCulture);
    }

    private static int MonthKey(long ts)
    {
        var d = DateTimeOffset.FromUnixTimeMilliseconds(ts).UtcDateTime;
        return (d.Year * 100) + d.Month;
    }

    /// <summary>The [start, end) capture-time span, in epoch ms, that a partition table can hold.</summary>
    private static (long Start, long End) TableSpan(string table)
    {
        var inv = CultureInfo.InvariantCulture;
        if (table[0] == 'r')
        {
            var day = DateTime.ParseExact(table.AsSpan(2), "yyyyMMdd", inv, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            long s = new DateTimeOffset(day, TimeSpan.Zero).ToUnixTimeMilliseconds();
            return (s, s + DayMs);
        }
        var month = DateTime.ParseExact(table.AsSpan(2), "yyyyMM", inv, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        var start = new DateTimeOffset(month, TimeSpan.Zero);
        return (start.ToUnixTimeMilliseconds(), start.AddMonths(1).ToUnixTimeMilliseconds());
    }

    private static void Execute(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static T Scalar<T>(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        object? v = cmd.ExecuteScalar();
        if (v is null or DBNull) return default!;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(v, target, CultureInfo.InvariantCulture);
    }

    private static string SqlText(string s) => s.Replace("'", "''", StringComparison.Ordinal);

    private static long FileSize(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
