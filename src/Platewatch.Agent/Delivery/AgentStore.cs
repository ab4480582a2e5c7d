using System.Globalization;
using Microsoft.Data.Sqlite;
using Platewatch.Agent.Tracking;

namespace Platewatch.Agent.Delivery;

/// <summary>A read waiting for the server: its id, the source (whose camera key sends it) and its JSON in the Platewatch schema.</summary>
internal sealed record QueuedRead(long Seq, string Id, string Source, string Json, long SeenAtMs);

/// <summary>A read to put in the queue.</summary>
internal sealed record OutgoingRead(string Id, string Json, long SeenAtMs);

/// <summary>How far a video file has been turned into queued reads.</summary>
internal sealed record VideoProgress(double ResumeAt, bool Done, long BaseMs);

/// <summary>
/// The agent's durable state in one SQLite file (WAL, synchronous=FULL, so a commit is on disk before it returns): the
/// outgoing read queue, the folder-watch ledger, video progress and the passes emitted recently. Reads and the progress
/// that produced them commit in one transaction, so after a crash a source resumes exactly where its reads end: nothing
/// is lost, and nothing is captured twice. The queue is bounded in bytes; beyond it the oldest reads are dropped and
/// counted. One connection behind a lock: the agent's write rate is a few rows a second.
/// </summary>
internal sealed class AgentStore : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _lock = new();
    private readonly long _maxBytes;
    private long _bytes;
    private long _count;

    private AgentStore(SqliteConnection db, long maxBytes)
    {
        _db = db;
        _maxBytes = maxBytes;
    }

    public string Path { get; private init; } = "";

    public static AgentStore Open(string directory, long maxBytes)
    {
        Directory.CreateDirectory(directory);
        string path = System.IO.Path.Combine(directory, "agent.db");
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        var store = new AgentStore(db, maxBytes) { Path = path };
        store.Exec("PRAGMA journal_mode=WAL");
        store.Exec("PRAGMA synchronous=FULL");
        store.Exec("""
            CREATE TABLE IF NOT EXISTS queue(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
                json TEXT NOT NULL, bytes INTEGER NOT NULL, seen_ms INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS files(source TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
                reads INTEGER NOT NULL, PRIMARY KEY(source, name, size, mtime));
            CREATE TABLE IF NOT EXISTS videos(source TEXT NOT NULL, path TEXT NOT NULL, resume_at REAL NOT NULL, done INTEGER NOT NULL, base_ms INTEGER NOT NULL,
                PRIMARY KEY(source, path));
            CREATE TABLE IF NOT EXISTS passes(source TEXT NOT NULL, plate TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
                box TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS passes_source ON passes(source, end_ms);
            """);
        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = "SELECT count(*), coalesce(sum(bytes), 0) FROM queue";
            using var r = cmd.ExecuteReader();
            r.Read();
            store._count = r.GetInt64(0);
            store._bytes = r.GetInt64(1);
        }
        return store;
    }

    public long Depth
    {
        get { lock (_lock) return _count; }
    }

    public long Bytes
    {
        get { lock (_lock) return _bytes; }
    }

    public long Counter(string name)
    {
        lock (_lock)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT value FROM counters WHERE name = $n";
            cmd.Parameters.AddWithValue("$n", name);
            return cmd.ExecuteScalar() is long v ? v : 0;
        }
    }

    /// <summary>
    /// Queues reads and records the progress that produced them, in one durable transaction. Returns how many old reads
    /// were dropped to stay within the size bound.
    /// </summary>
    public int Commit(string source, IReadOnlyList<OutgoingRead> reads, Action<SqliteTransaction>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(reads);
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            long added = 0, addedCount = 0;
            foreach (var r in reads)
            {
                using var cmd = Command(tx, "INSERT OR IGNORE INTO queue(id, source, json, bytes, seen_ms) VALUES($id, $s, $j, $b, $t)");
                long bytes = r.Json.Length + 64;
                cmd.Parameters.AddWithValue("$id", r.Id);
                cmd.Parameters.AddWithValue("$s", source);
                cmd.Parameters.AddWithValue("$j", r.Json);
                cmd.Parameters.AddWithValue("$b", bytes);
                cmd.Parameters.AddWithValue("$t", r.SeenAtMs);
                if (cmd.ExecuteNonQuery() == 1)
                {
                    added += bytes;
                    addedCount++;
                }
            }
            progress?.Invoke(tx);
            int dropped = 0;
            long bytesNow = _bytes + added, countNow = _count + addedCount;
            while (bytesNow > _maxBytes && countNow > 0)
            {
                using var cmd = Command(tx, "DELETE FROM queue WHERE seq = (SELECT min(seq) FROM queue) RETURNING bytes");
                if (cmd.ExecuteScalar() is not long b) break;
                bytesNow -= b;
                countNow--;
                dropped++;
            }
            if (dropped > 0) AddCounter(tx, "dropped", dropped);
            AddCounter(tx, "captured", addedCount);
            tx.Commit();
            _bytes = bytesNow;
            _count = countNow;
            return dropped;
        }
    }

    /// <summary>The oldest queued reads of one source (the oldest read's), up to <paramref name="max"/>.</summary>
    public IReadOnlyList<QueuedRead> Peek(int max)
    {
        lock (_lock)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = """
                SELECT seq, id, source, json, seen_ms FROM queue
                WHERE source = (SELECT source FROM queue ORDER BY seq LIMIT 1) ORDER BY seq LIMIT $max
                """;
            cmd.Parameters.AddWithValue("$max", max);
            using var r = cmd.ExecuteReader();
            var list = new List<QueuedRead>();
            while (r.Read()) list.Add(new QueuedRead(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4)));
            return list;
        }
    }

    /// <summary>Removes reads the server has acknowledged (stored, duplicate) or refused for good (rejected).</summary>
    public void Remove(IReadOnlyCollection<long> seqs, long delivered, long rejected)
    {
        ArgumentNullException.ThrowIfNull(seqs);
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            long bytes = 0, count = 0;
            foreach (long seq in seqs)
            {
                using var cmd = Command(tx, "DELETE FROM queue WHERE seq = $s RETURNING bytes");
                cmd.Parameters.AddWithValue("$s", seq);
                if (cmd.ExecuteScalar() is long b)
                {
                    bytes += b;
                    count++;
                }
            }
            AddCounter(tx, "delivered", delivered);
            AddCounter(tx, "rejected", rejected);
            tx.Commit();
            _bytes -= bytes;
            _count -= count;
        }
    }

    // Folder watch ledger.

    public bool IsFileDone(string source, string name, long size, long mtime)
    {
        lock (_lock)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT 1 FROM files WHERE source = $s AND name = $n AND size = $z AND mtime = $m";
            cmd.Parameters.AddWithValue("$s", source);
            cmd.Parameters.AddWithValue("$n", name);
            cmd.Parameters.AddWithValue("$z", size);
            cmd.Parameters.AddWithValue("$m", mtime);
            return cmd.ExecuteScalar() is not null;
        }
    }

    public static void MarkFileDone(SqliteTransaction tx, string source, string name, long size, long mtime, int reads)
    {
        using var cmd = Command(tx, "INSERT OR REPLACE INTO files(source, name, size, mtime, reads) VALUES($s, $n, $z, $m, $r)");
        cmd.Parameters.AddWithValue("$s", source);
        cmd.Parameters.AddWithValue("$n", name);
        cmd.Parameters.AddWithValue("$z", size);
        cmd.Parameters.AddWithValue("$m", mtime);
        cmd.Parameters.AddWithValue("$r", reads);
        cmd.ExecuteNonQuery();
    }

    // Video progress and emitted passes.

    public VideoProgress? Progress(string source, string path)
    {
        lock (_lock)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT resume_at, done, base_ms FROM videos WHERE source = $s AND path = $p";
            cmd.Parameters.AddWithValue("$s", source);
            cmd.Parameters.AddWithValue("$p", path);
            using var r = cmd.ExecuteReader();
            return r.Read() ? new VideoProgress(r.GetDouble(0), r.GetInt64(1) != 0, r.GetInt64(2)) : null;
        }
    }

    public static void SaveProgress(SqliteTransaction tx, string source, string path, VideoProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        using var cmd = Command(tx, "INSERT OR REPLACE INTO videos(source, path, resume_at, done, base_ms) VALUES($s, $p, $r, $d, $b)");
        cmd.Parameters.AddWithValue("$s", source);
        cmd.Parameters.AddWithValue("$p", path);
        cmd.Parameters.AddWithValue("$r", progress.ResumeAt);
        cmd.Parameters.AddWithValue("$d", progress.Done ? 1 : 0);
        cmd.Parameters.AddWithValue("$b", progress.BaseMs);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Replaces a source's remembered passes (the tracker's memory) within the transaction.</summary>
    public static void SavePasses(SqliteTransaction tx, string source, IEnumerable<EmittedPass> passes)
    {
        ArgumentNullException.ThrowIfNull(passes);
        using (var del = Command(tx, "DELETE FROM passes WHERE source = $s"))
        {
            del.Parameters.AddWithValue("$s", source);
            del.ExecuteNonQuery();
        }
        foreach (var p in passes)
        {
            using var cmd = Command(tx, "INSERT INTO passes(source, plate, start_ms, end_ms, box) VALUES($s, $p, $a, $b, $x)");
            cmd.Parameters.AddWithValue("$s", source);
            cmd.Parameters.AddWithValue("$p", p.Plate);
            cmd.Parameters.AddWithValue("$a", p.Start.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$b", p.End.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$x", string.Create(CultureInfo.InvariantCulture, $"{p.LastBox.X},{p.LastBox.Y},{p.LastBox.Width},{p.LastBox.Height}"));
            cmd.ExecuteNonQuery();
        }
    }

    public IReadOnlyList<EmittedPass> Passes(string source)
    {
        lock (_lock)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT plate, start_ms, end_ms, box FROM passes WHERE source = $s";
            cmd.Parameters.AddWithValue("$s", source);
            using var r = cmd.ExecuteReader();
            var list = new List<EmittedPass>();
            while (r.Read())
            {
                float[] b = [.. r.GetString(3).Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))];
                list.Add(new EmittedPass(r.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
                    DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), new Box(b[0], b[1], b[2], b[3])));
            }
            return list;
        }
    }

    public void Dispose()
    {
        lock (_lock) _db.Dispose();
    }

    private static void AddCounter(SqliteTransaction tx, string name, long delta)
    {
        if (delta == 0) return;
        using var cmd = Command(tx, "INSERT INTO counters(name, value) VALUES($n, $v) ON CONFLICT(name) DO UPDATE SET value = value + $v");
        cmd.Parameters.AddWithValue("$n", name);
        cmd.Parameters.AddWithValue("$v", delta);
        cmd.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteTransaction tx, string sql)
    {
        var cmd = tx.Connection!.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd;
    }

    private void Exec(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
