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
    public int RowGroupSize { get; init; } = 122_880;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// The embedded read store: one DuckDB file, no server.
/// <para>Layout (see docs/architecture.md): reads arrive into a per-day table in arrival order
/// (<c>r_YYYYMMDD</c>). Once the data has moved an hour past a day, the day is appended, sorted by
/// (plate, ts), to its open week (<c>w_YYYYMMDD</c>, named by its Monday, or by the 1st when a month starts
/// mid-week: partitions never straddle a month, so a monthly purge only drops tables). Once the week is over it is
/// sealed: sorted as a whole by (plate, ts) into <c>x_YYYYMMDD</c>. DuckDB's per-row-group min/max on
/// <c>plate</c> then finds a plate in one or two row groups per week, and its min/max on <c>ts</c> keeps a
/// time-window query inside one week. Retention drops whole weeks.</para>
/// </summary>
public sealed class DuckDbReadStore : IReadStore
{
    private const string DatabaseFile = "reads.duckdb";
    private const string EmptyTable = "reads_empty";
    private const string Catalog = "pw";
    private const long DayMs = 86_400_000L;
    private const long WeekMs = 7 * DayMs;

    private const int ParallelAppendMinimum = 32_768;

    private readonly DuckDBConnection _root;
    private readonly DuckDBConnection _secondWriter;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly DuckDbStoreOptions _options;
    private readonly string _file;
    private readonly SortedSet<string> _recent = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _weeks = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _sealed = new(StringComparer.Ordinal);
    private readonly Dictionary<long, IdFilter> _filters = [];
    private readonly ValueDictionary _dict = new();
    private readonly WindowIndex _windowIndex;
    private long _newestTs = long.MinValue;

    // The partitions as of the last commit, for readers: the sorted sets above change under the writer.
    private volatile string[] _published = [];
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
        Sql.Execute(_root, $"ATTACH '{Sql.Text(_file)}' AS {Catalog} (ROW_GROUP_SIZE {options.RowGroupSize.ToString(CultureInfo.InvariantCulture)})");
        Sql.Execute(_root, $"USE {Catalog}");
        _windowIndex = new WindowIndex(_root, directory);
        _secondWriter = _root.Duplicate();
        if (_secondWriter.State != System.Data.ConnectionState.Open) _secondWriter.Open();
        Sql.Execute(_secondWriter, $"USE {Catalog}");
        Sql.Execute(_root, $"CREATE TABLE IF NOT EXISTS {EmptyTable} ({ReadSchema.Columns})");
        Sql.Execute(_root, ValueDictionary.Schema);
        _dict.Load(_root);
        if (options.MemoryLimit is { } m) Sql.Execute(_root, $"SET memory_limit = '{Sql.Text(m)}'");
        if (options.Threads is { } t) Sql.Execute(_root, $"SET threads = {t.ToString(CultureInfo.InvariantCulture)}");
        bool upgraded = LoadCatalog();
        if (_windowIndex.Sync([.. _sealed.Select(t => (t, TableSpan(t).Start))], CancellationToken.None) || upgraded)
        {
            // An upgrade rewrites whole partitions: write them out now rather than leave a WAL the size of the store.
            Sql.Execute(_root, "CHECKPOINT");
            _windowIndex.Checkpoint();
        }
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
                    Sql.Execute(_root, $"CREATE TABLE IF NOT EXISTS {table} ({ReadSchema.Columns})");
                    created = true;
                }
            }
            if (created)
            {
                RebuildView();
                Publish();
            }
            foreach (var (table, list) in byDay)
            {
                var codes = Codes(list);
                if (list.Count < ParallelAppendMinimum)
                {
                    AppendRange(_root, table, list, codes, 0, list.Count);
                    continue;
                }
                // Two appenders on two connections fill the same table at once: building DuckDB's vectors is
                // most of an append's cost, and appends to one table from two transactions do not conflict.
                int half = list.Count / 2;
                Parallel.Invoke(
                    () => AppendRange(_root, table, list, codes, 0, half),
                    () => AppendRange(_secondWriter, table, list, codes, half, list.Count));
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
            Sql.Execute(_root, "CHECKPOINT");
            _windowIndex.Checkpoint();
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
                    if (!q.Ids.IsDefaultOrEmpty && !q.Ids.Contains(r.Id)) continue;
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

    public async Task<ScanResult> ScanAsync(AuthorizedScan scan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ObjectDisposedException.ThrowIf(_disposed, this);
        scan.Filter.Validate();
        if (scan.Agencies.IsDefaultOrEmpty || scan.MaxRows <= 0) return new ScanResult([], scan.MaxRows <= 0);
        try
        {
            return await ScanOnceAsync(scan, useCopies: true, cancellationToken).ConfigureAwait(false);
        }
        catch (DuckDBException)
        {
            // A partition named at the start was re-sealed or dropped before the query ran (a seal or purge
            // committed in between): read through the view, which always names the committed set.
            return await ScanOnceAsync(scan, useCopies: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ScanResult> ScanOnceAsync(AuthorizedScan scan, bool useCopies, CancellationToken cancellationToken)
    {
        var f = scan.Filter;
        long generation = _windowIndex.Generation;
        long from = f.Range.From.ToUnixTimeMilliseconds(), to = f.Range.To.ToUnixTimeMilliseconds();
        using var conn = OpenReader();
        using var cmd = conn.CreateCommand();
        bool windows = !f.Windows.IsDefaultOrEmpty;
        // An area over a short span is one window too (a stakeout): the copies answer it without scanning whole weeks.
        var copyFilter = !windows && f.Area is { } shortArea && to - from <= DayMs
            ? f with { Windows = [new ScanWindow(shortArea.Bounds, f.Range.From, f.Range.To)] }
            : f;
        var (fromCopies, source) = useCopies && !copyFilter.Windows.IsDefaultOrEmpty && !f.IdsNeeded && f.Plates.IsDefaultOrEmpty
            ? await ScanWindowCopiesAsync(conn, scan.Agencies, copyFilter, from, to, cancellationToken).ConfigureAwait(false)
            : ([], "reads");
        var sql = new StringBuilder(windows ? "SELECT DISTINCT " : "SELECT ").Append("r.idh, r.idl, r.ts, r.plate, r.conf, r.lat, r.lon, r.acc, r.camera FROM ").Append(source).Append(" r");
        if (windows)
        {
            // A hash join on a time bucket, then the exact box test: one pass over the window's partitions instead of a
            // query per box, and no range join (DuckDB's IEJoin sorts both sides; the reads side is millions of rows).
            long bucket = Math.Max(1000, f.Windows.Max(w => (w.To - w.From).Ticks / TimeSpan.TicksPerMillisecond));
            Sql.Execute(conn, "CREATE TEMP TABLE scan_win (b BIGINT, t0 BIGINT, t1 BIGINT, la0 INTEGER, la1 INTEGER, lo0 INTEGER, lo1 INTEGER)");
            long wmin = long.MaxValue, wmax = long.MinValue;
            using (var app = conn.CreateAppender("scan_win"))
            {
                foreach (var w in f.Windows)
                {
                    long t0 = w.From.ToUnixTimeMilliseconds(), t1 = w.To.ToUnixTimeMilliseconds();
                    if (t1 <= t0) continue;
                    wmin = Math.Min(wmin, t0);
                    wmax = Math.Max(wmax, t1);
                    var box = ReadSchema.ToMicroDegrees(w.Box);
                    for (long b = FloorDiv(t0, bucket); b <= FloorDiv(t1 - 1, bucket); b++)
                    {
                        app.CreateRow().AppendValue(b).AppendValue(t0).AppendValue(t1)
                            .AppendValue(box.MinLat).AppendValue(box.MaxLat).AppendValue(box.MinLon).AppendValue(box.MaxLon)
                            .EndRow();
                    }
                }
            }
            from = Math.Max(from, wmin);
            to = Math.Min(to, wmax);
            sql.Append(" JOIN scan_win w ON w.b = floor(r.ts / $bucket)::BIGINT AND r.ts >= w.t0 AND r.ts < w.t1 AND r.lat BETWEEN w.la0 AND w.la1 AND r.lon BETWEEN w.lo0 AND w.lo1");
            Add(cmd, "bucket", (double)bucket);
        }
        sql.Append(" WHERE r.ts >= $from AND r.ts < $to");
        Add(cmd, "from", from);
        Add(cmd, "to", to);
        AppendCodes(cmd, sql, "r.agency", "ag", ValueDictionary.Agency, scan.Agencies);
        if (f.Area is { } area) AppendBox(cmd, sql, "r.", area.Bounds);
        if (f.MinConfidence > 0)
        {
            sql.Append(" AND r.conf >= $minconf");
            Add(cmd, "minconf", (long)Math.Ceiling(f.MinConfidence * ReadSchema.ConfidenceScale - 0.5));
        }
        bool union = false;
        if (!f.Plates.IsDefaultOrEmpty)
        {
            if (f.Plates.Length <= 256 && !windows)
            {
                // One branch per skeleton: partitions are sorted by skeleton, so its equality lets DuckDB's per-row-group
                // min/max find a plate and all its look-alike spellings in a row group or two of each sorted week, which
                // neither an IN list nor a semi-join does. The plates themselves are then picked out of that run.
                string common = sql.ToString();
                sql.Clear().Append("SELECT * FROM (");
                int branch = 0, n = 0;
                foreach (var group in f.Plates.Distinct(StringComparer.Ordinal).GroupBy(p => PlateText.Skeleton(p), StringComparer.Ordinal))
                {
                    string sk = "sk" + (branch++).ToString(CultureInfo.InvariantCulture);
                    if (branch > 1) sql.Append(" UNION ALL ");
                    sql.Append(common).Append(" AND r.skel = $").Append(sk).Append(" AND r.plate IN (");
                    Add(cmd, sk, group.Key);
                    bool first = true;
                    foreach (string plate in group)
                    {
                        string p = "pl" + (n++).ToString(CultureInfo.InvariantCulture);
                        sql.Append(first ? "$" : ", $").Append(p);
                        first = false;
                        Add(cmd, p, plate);
                    }
                    sql.Append(')');
                }
                sql.Append(')');
                union = true;
            }
            else
            {
                Sql.Execute(conn, "CREATE TEMP TABLE scan_plates (plate VARCHAR)");
                using (var app = conn.CreateAppender("scan_plates"))
                {
                    foreach (string p in f.Plates.Distinct(StringComparer.Ordinal)) app.CreateRow().AppendValue(p).EndRow();
                }
                sql.Append(" AND r.plate IN (SELECT plate FROM scan_plates)");
            }
        }
        // The exact area test runs here, so the limit is applied after it, on what is returned.
        sql.Append(union ? " ORDER BY ts, idh, idl" : " ORDER BY r.ts, r.idh, r.idl");
        if (f.Area is null) sql.Append(" LIMIT ").Append((scan.MaxRows + 1L).ToString(CultureInfo.InvariantCulture));
        cmd.CommandText = sql.ToString();
        var results = ImmutableArray.CreateBuilder<Sighting>();
        bool truncated = false;
        using (var reader = (DuckDBDataReader)await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                double lat = reader.GetInt32(5) / ReadSchema.CoordinateScale, lon = reader.GetInt32(6) / ReadSchema.CoordinateScale;
                if (f.Area is { } a && !a.Contains(lat, lon)) continue;
                if (results.Count == scan.MaxRows)
                {
                    truncated = true;
                    break;
                }
                long ts = reader.GetInt64(2);
                results.Add(new Sighting(
                    new ReadId(ReadSchema.JoinId(reader.GetInt64(0), reader.GetInt64(1), ts)),
                    reader.GetString(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(ts),
                    new GeoPoint(lat, lon, reader.GetFieldValue<ushort>(7) / 10f),
                    _dict.ValueOf(ValueDictionary.Camera, reader.GetFieldValue<uint>(8)),
                    reader.GetFieldValue<ushort>(4) / ReadSchema.ConfidenceScale));
            }
        }
        if (useCopies && _windowIndex.Generation != generation) return await ScanOnceAsync(scan, useCopies: false, cancellationToken).ConfigureAwait(false);
        if (fromCopies.Count == 0) return new ScanResult(results.ToImmutable(), truncated);
        var merged = results.Concat(fromCopies).OrderBy(s => s.At).ToList();
        truncated |= merged.Count > scan.MaxRows;
        return new ScanResult([.. merged.Take(scan.MaxRows)], truncated);
    }

    /// <summary>
    /// For a window scan that needs no ids: the reads of the sealed weeks in range whose place-and-minute copy is current,
    /// and the source (the other partitions) that the scan must still read itself.
    /// </summary>
    private async Task<(List<Sighting> Found, string Source)> ScanWindowCopiesAsync(DuckDBConnection conn, ImmutableArray<string> agencyNames, ScanFilter filter, long from, long to, CancellationToken cancellationToken)
    {
        var tables = _published;
        var copies = tables.Where(t => t[0] == 'x' && _windowIndex.Covers(t))
            .Select(t => (Table: t, Span: TableSpan(t)))
            .Where(t => t.Span.Start < to && t.Span.End > from)
            .Select(t => (t.Table, t.Span.Start, t.Span.End))
            .ToList();
        if (copies.Count == 0) return ([], "reads");
        var agencies = new List<uint>();
        foreach (string name in agencyNames)
        {
            if (_dict.TryGetCode(ValueDictionary.Agency, name, out uint code)) agencies.Add(code);
        }
        var found = await WindowIndex.ScanAsync(conn, copies, filter, from, to, agencies, _dict, cancellationToken).ConfigureAwait(false);
        if (found is null) return ([], "reads");
        var covered = copies.Select(c => c.Table).ToHashSet(StringComparer.Ordinal);
        var rest = tables.Where(t => !covered.Contains(t)).Prepend(EmptyTable).Select(t => "SELECT * FROM " + t);
        return (found, "(" + string.Join(" UNION ALL ", rest) + ")");
    }

    public async Task<long> PurgeOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long cut = cutoff.ToUnixTimeMilliseconds();
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long deleted = 0;
            var droppedCopies = new List<string>();
            var changedCopies = new List<string>();
            using (var tx = _root.BeginTransaction())
            {
                foreach (var table in AllTables().ToList())
                {
                    var (start, end) = TableSpan(table);
                    if (start >= cut) continue;
                    if (table[0] == 'x')
                    {
                        _windowIndex.Invalidate(table);
                        (end <= cut ? droppedCopies : changedCopies).Add(table);
                    }
                    if (end <= cut)
                    {
                        deleted += Sql.Scalar<long>(_root, $"SELECT count(*) FROM {table}");
                        Sql.Execute(_root, $"DROP TABLE {table}");
                        Forget(table);
                        if (table[0] != 'r') _filters.Remove(start / DayMs);
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
            Publish();
            foreach (var t in droppedCopies) _windowIndex.Drop(t);
            foreach (var t in changedCopies) _windowIndex.Build(t, TableSpan(t).Start);
            Sql.Execute(_root, "CHECKPOINT");
            _windowIndex.Checkpoint();
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
        string indexFile = Path.Combine(Path.GetDirectoryName(_file)!, WindowIndex.FileName);
        long bytes = FileSize(_file + ".wal") + FileSize(indexFile + ".wal");
        using (var size = conn.CreateCommand())
        {
            size.CommandText = $"SELECT used_blocks, block_size FROM pragma_database_size() WHERE database_name IN ('{Catalog}', '{WindowIndex.Catalog}')";
            using var sr = size.ExecuteReader();
            while (sr.Read()) bytes += Convert.ToInt64(sr.GetValue(0), CultureInfo.InvariantCulture) * Convert.ToInt64(sr.GetValue(1), CultureInfo.InvariantCulture);
        }
        return Task.FromResult(new StoreStats(n, oldest, newest, bytes, AllTables().Count(), plates, cameras));
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            try
            {
                Sql.Execute(_root, "CHECKPOINT");
                _windowIndex.Checkpoint();
            }
            catch (DuckDBException)
            {
                // The WAL replays on next open.
            }
            _secondWriter.Dispose();
            _root.Dispose();
        }
        finally
        {
            _writeGate.Release();
        }
        _writeGate.Dispose();
    }

    /// <summary>Dictionary codes of each read's region, camera and agency, resolved on the writer connection before any
    /// parallel append starts (the dictionary adds new values through that connection).</summary>
    private (uint Region, uint Camera, uint Agency)[] Codes(List<PlateRead> list)
    {
        var codes = new (uint, uint, uint)[list.Count];
        string lastRegion = "", lastCamera = "", lastAgency = "";
        uint region = 0, camera = 0, agency = 0;
        for (int i = 0; i < list.Count; i++)
        {
            var r = list[i];
            // Consecutive reads usually share these; skip the lookup when they do.
            if (!ReferenceEquals(r.Region, lastRegion)) { region = _dict.GetOrAdd(_root, ValueDictionary.Region, r.Region); lastRegion = r.Region; }
            if (!ReferenceEquals(r.CameraId, lastCamera)) { camera = _dict.GetOrAdd(_root, ValueDictionary.Camera, r.CameraId); lastCamera = r.CameraId; }
            if (!ReferenceEquals(r.AgencyId, lastAgency)) { agency = _dict.GetOrAdd(_root, ValueDictionary.Agency, r.AgencyId); lastAgency = r.AgencyId; }
            codes[i] = (region, camera, agency);
        }
        return codes;
    }

    private static void AppendRange(DuckDBConnection conn, string table, List<PlateRead> list, (uint, uint, uint)[] codes, int from, int to)
    {
        using var appender = conn.CreateAppender(table);
        for (int i = from; i < to; i++) ReadSchema.Append(appender, list[i], codes[i]);
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
                    // Partitions are sorted by skeleton first: its min/max finds the rows, the plate picks among them.
                    sql.Append(" AND skel = $skel AND plate = $plate");
                    Add(cmd, "skel", PlateText.Skeleton(p.Text));
                    Add(cmd, "plate", p.Text);
                    break;
                case PlateMatchKind.Wildcard:
                    string prefix = p.LiteralPrefix;
                    if (prefix.Length > 0)
                    {
                        // A range on the skeleton of the literal prefix lets the per-row-group min/max skip most of each
                        // partition (the skeleton maps character by character, so it keeps the prefix a prefix).
                        string skelPrefix = PlateText.Skeleton(prefix);
                        sql.Append(" AND skel >= $pfrom AND skel < $pto");
                        Add(cmd, "pfrom", skelPrefix);
                        Add(cmd, "pto", skelPrefix[..^1] + (char)(skelPrefix[^1] + 1));
                    }
                    sql.Append(" AND plate LIKE $like");
                    Add(cmd, "like", p.ToSqlLike());
                    break;
                default:
                    sql.Append(" AND length(plate) BETWEEN $lmin AND $lmax AND levenshtein(skel, $skel) <= $edits");
                    Add(cmd, "lmin", (long)(p.Text.Length - p.MaxEdits));
                    Add(cmd, "lmax", (long)(p.Text.Length + p.MaxEdits));
                    Add(cmd, "skel", PlateText.Skeleton(p.Text));
                    Add(cmd, "edits", (long)p.MaxEdits);
                    break;
            }
        }

        if (q.Area is { } area)
        {
            AppendBox(cmd, sql, "", area.Bounds);
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

        if (!q.Ids.IsDefaultOrEmpty)
        {
            // The high half is stored relative to the read's time, which the caller may not know: match the low half
            // (64 random bits) here, and the whole id as each row is read.
            sql.Append(" AND idl IN (");
            for (int i = 0; i < q.Ids.Length; i++)
            {
                string name = "id" + i.ToString(CultureInfo.InvariantCulture);
                sql.Append(i == 0 ? "$" : ", $").Append(name);
                Add(cmd, name, ReadSchema.IdLow(q.Ids[i].Value));
            }
            sql.Append(')');
        }

        if (q.MinConfidence > 0)
        {
            sql.Append(" AND conf >= $minconf");
            Add(cmd, "minconf", (long)Math.Ceiling(q.MinConfidence * ReadSchema.ConfidenceScale - 0.5));
        }

        if (after is { } a)
        {
            long ats = a.CapturedAt.ToUnixTimeMilliseconds();
            var (ah, al) = ReadSchema.SplitId(a.Id.Value, ats);
            sql.Append(" AND (ts > $ats OR (ts = $ats AND (idh > $ah OR (idh = $ah AND idl > $al))))");
            Add(cmd, "ats", ats);
            Add(cmd, "ah", ah);
            Add(cmd, "al", al);
        }

        sql.Append(" ORDER BY ts, idh, idl LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        cmd.CommandText = sql.ToString();
    }

    /// <summary>A connection of its own for each reader: DuckDB connections are not thread-safe, but many may share the database.</summary>
    private DuckDBConnection OpenReader()
    {
        var conn = _root.Duplicate();
        if (conn.State != System.Data.ConnectionState.Open) conn.Open();
        Sql.Execute(conn, $"USE {Catalog}");
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

    /// <summary>"AND lat BETWEEN ... AND lon BETWEEN ...": the per-row-group min/max of the integer columns prune on it.</summary>
    private static void AppendBox(DuckDBCommand cmd, StringBuilder sql, string alias, BoundingBox bounds)
    {
        var b = ReadSchema.ToMicroDegrees(bounds);
        sql.Append(" AND ").Append(alias).Append("lat BETWEEN $minlat AND $maxlat AND ").Append(alias).Append("lon BETWEEN $minlon AND $maxlon");
        Add(cmd, "minlat", (long)b.MinLat);
        Add(cmd, "maxlat", (long)b.MaxLat);
        Add(cmd, "minlon", (long)b.MinLon);
        Add(cmd, "maxlon", (long)b.MaxLon);
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

        // Matched on the id's low half, then the whole id rebuilt from each row's time: a resend with another capture time
        // within the day is still the same read.
        Sql.Execute(_root, "CREATE TEMP TABLE IF NOT EXISTS dup_check (idl BIGINT)");
        Sql.Execute(_root, "DELETE FROM dup_check");
        using (var app = _root.CreateAppender("dup_check"))
        {
            foreach (var s in suspects) app.CreateRow().AppendValue(ReadSchema.IdLow(s.Id.Value)).EndRow();
        }
        using var cmd = _root.CreateCommand();
        cmd.CommandText = "SELECT DISTINCT r.idh, r.idl, r.ts FROM reads r SEMI JOIN dup_check d ON r.idl = d.idl WHERE r.ts BETWEEN $lo AND $hi";
        Add(cmd, "lo", suspects.Min(s => s.CapturedAt.ToUnixTimeMilliseconds()) - DayMs);
        Add(cmd, "hi", suspects.Max(s => s.CapturedAt.ToUnixTimeMilliseconds()) + DayMs);
        var stored = new HashSet<Guid>();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read()) stored.Add(ReadSchema.JoinId(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
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
        long week = PartitionStart(ts);
        if (_filters.TryGetValue(week / DayMs, out var f)) return f;
        f = new IdFilter();
        // Built lazily from what is stored, so a crash can never leave the filter missing a committed id.
        long weekEnd = PartitionEnd(week);
        foreach (var t in AllTables().Where(t => TableSpan(t).Start >= week && TableSpan(t).Start < weekEnd))
        {
            using var cmd = _root.CreateCommand();
            cmd.CommandText = $"SELECT idh, idl, ts FROM {t}";
            using var r = cmd.ExecuteReader();
            while (r.Read()) f.Add(ReadSchema.JoinId(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        }
        _filters[week / DayMs] = f;
        return f;
    }

    /// <summary>
    /// Moves finished days into their week (sorted by plate within the day), and seals finished weeks: one
    /// sort of the whole week by (plate, ts), so a plate is found in one or two row groups per week.
    /// </summary>
    private void CompactEligible(bool force, CancellationToken cancellationToken)
    {
        long graceMs = (long)_options.CompactionGrace.TotalMilliseconds;
        foreach (var day in _recent.ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (start, end) = TableSpan(day);
            if (!force && end + graceMs > _newestTs) continue;
            string week = WeekTable(start);
            using var tx = _root.BeginTransaction();
            Sql.Execute(_root, $"CREATE TABLE IF NOT EXISTS {week} ({ReadSchema.Columns})");
            Sql.Execute(_root, $"INSERT INTO {week} SELECT * FROM {day} ORDER BY {ReadSchema.SortOrder}");
            Sql.Execute(_root, $"DROP TABLE {day}");
            _recent.Remove(day);
            _weeks.Add(week);
            RebuildView();
            tx.Commit();
            Publish();
        }

        foreach (var week in _weeks.ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (start, end) = TableSpan(week);
            if (!force && end + graceMs > _newestTs) continue;
            if (_recent.Any(d => TableSpan(d).Start >= start && TableSpan(d).Start < end)) continue;
            string sealedName = "x_" + week[2..];
            bool merge = _sealed.Contains(sealedName);
            // Late reads for a sealed week wait in a small open week until they are worth a re-sort.
            if (merge && !force && Sql.Scalar<long>(_root, $"SELECT count(*) FROM {week}") * 20 < Sql.Scalar<long>(_root, $"SELECT count(*) FROM {sealedName}"))
                continue;
            _windowIndex.Invalidate(sealedName);
            using var tx = _root.BeginTransaction();
            string source = merge ? $"(SELECT * FROM {sealedName} UNION ALL SELECT * FROM {week})" : week;
            Sql.Execute(_root, $"CREATE TABLE sealing AS SELECT * FROM {source} ORDER BY {ReadSchema.SortOrder}");
            Sql.Execute(_root, $"DROP TABLE {week}");
            if (merge) Sql.Execute(_root, $"DROP TABLE {sealedName}");
            Sql.Execute(_root, $"ALTER TABLE sealing RENAME TO {sealedName}");
            _weeks.Remove(week);
            _sealed.Add(sealedName);
            RebuildView();
            tx.Commit();
            Publish();
            _windowIndex.Build(sealedName, start);
        }
    }

    private IEnumerable<string> AllTables() => _sealed.Concat(_weeks).Concat(_recent);

    private void Publish() => _published = [.. AllTables()];

    private void Forget(string table)
    {
        _recent.Remove(table);
        _weeks.Remove(table);
        _sealed.Remove(table);
    }

    private void RebuildView()
    {
        var sb = new StringBuilder("CREATE OR REPLACE VIEW reads AS SELECT * FROM ").Append(EmptyTable);
        foreach (var t in AllTables()) sb.Append(" UNION ALL SELECT * FROM ").Append(t);
        Sql.Execute(_root, sb.ToString());
    }

    /// <returns>Whether tables of an earlier layout were upgraded.</returns>
    private bool LoadCatalog()
    {
        using var cmd = _root.CreateCommand();
        cmd.CommandText = $"SELECT table_name FROM duckdb_tables() WHERE database_name = '{Catalog}' AND schema_name = 'main' AND NOT temporary";
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                string name = r.GetString(0);
                if (name.Length != 10) continue;
                if (name.StartsWith("r_", StringComparison.Ordinal)) _recent.Add(name);
                else if (name.StartsWith("w_", StringComparison.Ordinal)) _weeks.Add(name);
                else if (name.StartsWith("x_", StringComparison.Ordinal)) _sealed.Add(name);
            }
        }
        bool upgraded = UpgradeColumns();
        RebuildView();
        Publish();
        // A crash while sealing leaves only the transaction's undo; nothing named "sealing" survives a commit.
        if (AllTables().Any())
            _newestTs = Sql.Scalar<long?>(_root, "SELECT max(ts) FROM reads") ?? long.MinValue;
        return upgraded;
    }

    /// <summary>
    /// Upgrades a store written by an earlier layout: a UUID <c>id</c> column becomes the two integer halves of
    /// <see cref="ReadSchema.SplitId"/>, and a table without the look-alike skeleton column gets it, filled by the same
    /// mapping as <see cref="PlateText.Skeleton(ReadOnlySpan{char})"/>. Each such table is rewritten (compacted
    /// partitions re-sorted), one transaction per table, so an upgrade cut short resumes at the next open.
    /// </summary>
    private bool UpgradeColumns()
    {
        var (from, to) = PlateText.SkeletonTranslation();
        string skeleton = $"translate(plate, '{Sql.Text(from)}', '{Sql.Text(to)}')";
        // Every table's columns in one query: the check runs at each open.
        var columnsOf = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        using (var cmd = _root.CreateCommand())
        {
            cmd.CommandText = $"SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = '{Catalog}' AND column_name IN ('id', 'skel')";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                if (!columnsOf.TryGetValue(r.GetString(0), out var set)) columnsOf[r.GetString(0)] = set = new HashSet<string>(StringComparer.Ordinal);
                set.Add(r.GetString(1));
            }
        }
        bool upgraded = false;
        foreach (var table in AllTables().Prepend(EmptyTable).ToList())
        {
            var columns = columnsOf.GetValueOrDefault(table) ?? [];
            bool uuid = columns.Contains("id"), noSkeleton = !columns.Contains("skel");
            if (!uuid && !noSkeleton) continue;
            string ids = uuid ? ReadSchema.SplitIdSql("id", "ts") : "idh, idl";
            string order = table[0] is 'w' or 'x' ? $" ORDER BY {ReadSchema.SortOrder}" : "";
            using var tx = _root.BeginTransaction();
            Sql.Execute(_root, $"CREATE TABLE upgrading ({ReadSchema.Columns})");
            Sql.Execute(_root, $"INSERT INTO upgrading SELECT {ids}, {ReadSchema.ColumnsAfterId}, {(noSkeleton ? skeleton : "skel")} AS skel FROM {table}{order}");
            Sql.Execute(_root, $"DROP TABLE {table}");
            Sql.Execute(_root, $"ALTER TABLE upgrading RENAME TO {table}");
            tx.Commit();
            upgraded = true;
        }
        return upgraded;
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

    /// <summary>Epoch ms of the Monday 00:00 UTC on or before <paramref name="ts"/>.</summary>
    private static long WeekStart(long ts)
    {
        long day = Math.DivRem(ts, DayMs, out long rem) - (rem < 0 ? 1 : 0);
        // 1970-01-01 was a Thursday: day 4 of a Monday-based week (0 = Monday).
        long weekday = ((day % 7) + 7 + 3) % 7;
        return (day - weekday) * DayMs;
    }

    /// <summary>
    /// Start of the week partition holding <paramref name="ts"/>: its Monday, or the 1st of the month when the
    /// month began later in that week. Splitting weeks at month boundaries lets a month-aligned purge drop
    /// whole tables instead of deleting rows from a sorted week.
    /// </summary>
    private static long PartitionStart(long ts) => Math.Max(WeekStart(ts), MonthStart(ts));

    private static long PartitionEnd(long start)
    {
        var next = DateTimeOffset.FromUnixTimeMilliseconds(MonthStart(start)).AddMonths(1).ToUnixTimeMilliseconds();
        return Math.Min(WeekStart(start) + WeekMs, next);
    }

    private static long MonthStart(long ts)
    {
        var d = DateTimeOffset.FromUnixTimeMilliseconds(ts).UtcDateTime;
        return new DateTimeOffset(d.Year, d.Month, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    }

    private static string WeekTable(long ts) =>
        "w_" + DateTimeOffset.FromUnixTimeMilliseconds(PartitionStart(ts)).UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>The [start, end) capture-time span, in epoch ms, that a partition table can hold.</summary>
    private static (long Start, long End) TableSpan(string table)
    {
        var day = DateTime.ParseExact(table.AsSpan(2), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        long s = new DateTimeOffset(day, TimeSpan.Zero).ToUnixTimeMilliseconds();
        return (s, table[0] == 'r' ? s + DayMs : PartitionEnd(s));
    }

    private static long FloorDiv(long a, long b) => (a / b) - ((a % b) < 0 ? 1 : 0);

    private static long FileSize(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
