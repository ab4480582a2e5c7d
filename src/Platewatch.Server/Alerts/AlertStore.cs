using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Platewatch.Alerts.Hotlists;

namespace Platewatch.Server.Alerts;

/// <summary>
/// Hotlists, subscriptions, alerts, deliveries (the outbox) and registration records, in SQLite
/// (<c>DIR/alerts/alerts.db</c>, WAL, synchronous=FULL). An alert and its deliveries are written in one transaction
/// before anything is sent, so a crash can delay a delivery but not lose it.
/// </summary>
internal sealed class AlertStore
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly string _connectionString;

    public AlertStore(string dataDirectory)
    {
        string dir = Path.Combine(dataDirectory, "alerts");
        Directory.CreateDirectory(dir);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "alerts.db"), Pooling = true }.ToString();
        using var c = Open();
        Exec(c, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS hotlists (
                id TEXT PRIMARY KEY, agency TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL, refresh_s INTEGER NOT NULL,
                refreshed_ms INTEGER NOT NULL, created_by TEXT NOT NULL, stale_alarm_ms INTEGER);
            CREATE TABLE IF NOT EXISTS entries (
                id INTEGER PRIMARY KEY, hotlist TEXT NOT NULL REFERENCES hotlists(id) ON DELETE CASCADE, plate TEXT NOT NULL,
                region TEXT NOT NULL, category TEXT NOT NULL, reason TEXT NOT NULL, case_number TEXT NOT NULL, priority INTEGER NOT NULL,
                added_by TEXT NOT NULL, added_ms INTEGER NOT NULL, expires_ms INTEGER, make TEXT, model TEXT, colour TEXT, type TEXT);
            CREATE INDEX IF NOT EXISTS entries_list ON entries(hotlist, plate);
            CREATE TABLE IF NOT EXISTS categories_off (agency TEXT NOT NULL, category TEXT NOT NULL, PRIMARY KEY (agency, category));
            CREATE TABLE IF NOT EXISTS subscriptions (
                id TEXT PRIMARY KEY, username TEXT NOT NULL, agency TEXT NOT NULL, channel TEXT NOT NULL, target TEXT NOT NULL,
                hotlist TEXT, category TEXT, min_priority INTEGER, camera TEXT, area TEXT, created_ms INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS alerts (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, agency TEXT NOT NULL, created_ms INTEGER NOT NULL,
                read_id TEXT NOT NULL, camera TEXT NOT NULL, hotlist TEXT NOT NULL, entry_id INTEGER NOT NULL, historical INTEGER NOT NULL,
                body TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'new', decided_by TEXT, decided_ms INTEGER, reject_reason TEXT,
                outcome TEXT, outcome_by TEXT, outcome_ms INTEGER, note TEXT, UNIQUE (read_id, entry_id));
            CREATE INDEX IF NOT EXISTS alerts_agency ON alerts(agency, seq);
            CREATE TABLE IF NOT EXISTS deliveries (
                alert_id TEXT NOT NULL, subscription TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL, last_error TEXT, delivered_ms INTEGER,
                PRIMARY KEY (alert_id, subscription));
            CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(status, next_ms);
            CREATE TABLE IF NOT EXISTS registrations (
                plate TEXT NOT NULL, region TEXT NOT NULL, vin TEXT, make TEXT, model TEXT, year INTEGER, colour TEXT, body TEXT,
                owner_name TEXT, owner_address TEXT, expires TEXT, PRIMARY KEY (plate, region));
            CREATE TABLE IF NOT EXISTS registration_access (username TEXT PRIMARY KEY, granted_by TEXT NOT NULL, granted_ms INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS alarms (
                id INTEGER PRIMARY KEY, agency TEXT NOT NULL, hotlist TEXT NOT NULL, message TEXT NOT NULL, created_ms INTEGER NOT NULL);
            """);
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        Exec(c, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
        return c;
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection c, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        return cmd;
    }

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();
    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    private static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static long? Long(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    // ---- hotlists ----

    public async Task CreateHotlistAsync(Hotlist list, string createdBy, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "INSERT INTO hotlists (id, agency, name, source, refresh_s, refreshed_ms, created_by) VALUES ($id, $a, $n, $s, $r, $t, $by)",
            ("$id", list.Id), ("$a", list.AgencyId), ("$n", list.Name), ("$s", list.Source), ("$r", (long)list.RefreshInterval.TotalSeconds), ("$t", Ms(list.RefreshedAt)), ("$by", createdBy));
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Name, source and interval; a changed interval clears the stale alarm, so the list is judged afresh.</summary>
    public async Task<bool> UpdateHotlistAsync(Hotlist list, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "UPDATE hotlists SET name = $n, source = $s, stale_alarm_ms = CASE WHEN refresh_s = $r THEN stale_alarm_ms END, refresh_s = $r WHERE id = $id AND agency = $a",
            ("$id", list.Id), ("$a", list.AgencyId), ("$n", list.Name), ("$s", list.Source), ("$r", (long)list.RefreshInterval.TotalSeconds));
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<bool> DeleteHotlistAsync(string id, string agency, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "DELETE FROM hotlists WHERE id = $id AND agency = $a", ("$id", id), ("$a", agency));
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<List<Hotlist>> ListHotlistsAsync(string? agency, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "SELECT id, agency, name, source, refresh_s, refreshed_ms FROM hotlists WHERE $a IS NULL OR agency = $a ORDER BY id", ("$a", agency));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<Hotlist>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            list.Add(new Hotlist { Id = r.GetString(0), AgencyId = r.GetString(1), Name = r.GetString(2), Source = r.GetString(3), RefreshInterval = TimeSpan.FromSeconds(r.GetInt64(4)), RefreshedAt = At(r.GetInt64(5)) });
        return list;
    }

    public async Task<Hotlist?> GetHotlistAsync(string id, string agency, CancellationToken cancellationToken) =>
        (await ListHotlistsAsync(agency, cancellationToken).ConfigureAwait(false)).FirstOrDefault(h => h.Id == id);

    private const string EntryColumns = "id, hotlist, plate, region, category, reason, case_number, priority, added_by, added_ms, expires_ms, make, model, colour, type";

    private static HotlistEntry ReadEntry(SqliteDataReader r)
    {
        var vehicle = new VehicleDescription(Str(r, 11), Str(r, 12), Str(r, 13), Str(r, 14));
        return new HotlistEntry
        {
            Id = r.GetInt64(0), HotlistId = r.GetString(1), Plate = r.GetString(2), Region = r.GetString(3), Category = r.GetString(4),
            Reason = r.GetString(5), CaseNumber = r.GetString(6), Priority = r.GetInt32(7), AddedBy = r.GetString(8), AddedAt = At(r.GetInt64(9)),
            ExpiresAt = Long(r, 10) is { } e ? At(e) : null, Vehicle = vehicle.IsEmpty ? null : vehicle,
        };
    }

    /// <summary>Every entry of every list, for the matcher's index.</summary>
    public async IAsyncEnumerable<HotlistEntry> AllEntriesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, $"SELECT {EntryColumns} FROM entries");
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false)) yield return ReadEntry(r);
    }

    public async Task<List<HotlistEntry>> EntriesAsync(string hotlist, string? plate, int limit, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, $"SELECT {EntryColumns} FROM entries WHERE hotlist = $h AND ($p IS NULL OR plate = $p) ORDER BY id LIMIT $l", ("$h", hotlist), ("$p", plate), ("$l", limit));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<HotlistEntry>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false)) list.Add(ReadEntry(r));
        return list;
    }

    public async Task<HotlistEntry?> GetEntryAsync(long id, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, $"SELECT {EntryColumns} FROM entries WHERE id = $id", ("$id", id));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await r.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadEntry(r) : null;
    }

    private static SqliteCommand InsertEntryCommand(SqliteConnection c, SqliteTransaction? tx)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO entries (hotlist, plate, region, category, reason, case_number, priority, added_by, added_ms, expires_ms, make, model, colour, type) " +
            "VALUES ($h, $p, $r, $c, $why, $case, $pri, $by, $at, $exp, $make, $model, $colour, $type) RETURNING id";
        foreach (string n in new[] { "$h", "$p", "$r", "$c", "$why", "$case", "$pri", "$by", "$at", "$exp", "$make", "$model", "$colour", "$type" }) cmd.Parameters.Add(new SqliteParameter(n, null));
        return cmd;
    }

    private static async Task<long> InsertEntryAsync(SqliteCommand cmd, HotlistEntry e, CancellationToken cancellationToken)
    {
        object?[] values = [e.HotlistId, e.Plate, e.Region, e.Category, e.Reason, e.CaseNumber, e.Priority, e.AddedBy, Ms(e.AddedAt), e.ExpiresAt is { } x ? Ms(x) : null,
            e.Vehicle?.Make, e.Vehicle?.Model, e.Vehicle?.Colour, e.Vehicle?.Type];
        for (int i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<long> AddEntryAsync(HotlistEntry entry, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = InsertEntryCommand(c, null);
        return await InsertEntryAsync(cmd, entry, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> UpdateEntryAsync(HotlistEntry e, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "UPDATE entries SET plate=$p, region=$r, category=$c, reason=$why, case_number=$case, priority=$pri, expires_ms=$exp, make=$make, model=$model, colour=$colour, type=$type WHERE id=$id AND hotlist=$h",
            ("$p", e.Plate), ("$r", e.Region), ("$c", e.Category), ("$why", e.Reason), ("$case", e.CaseNumber), ("$pri", e.Priority), ("$exp", e.ExpiresAt is { } x ? Ms(x) : null),
            ("$make", e.Vehicle?.Make), ("$model", e.Vehicle?.Model), ("$colour", e.Vehicle?.Colour), ("$type", e.Vehicle?.Type), ("$id", e.Id), ("$h", e.HotlistId));
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<bool> DeleteEntryAsync(string hotlist, long id, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "DELETE FROM entries WHERE id = $id AND hotlist = $h", ("$id", id), ("$h", hotlist));
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Replace-on-refresh: the list's whole contents become <paramref name="entries"/>, and it counts as refreshed now, in one transaction.</summary>
    /// <summary>What makes an entry the same one across refreshes: plate, region, category and case.</summary>
    public static string EntryKey(HotlistEntry e) => string.Join('\u001f', e.Plate, e.Region, e.Category, e.CaseNumber);

    public async Task<HashSet<string>> EntryKeysAsync(string hotlist, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "SELECT plate, region, category, case_number FROM entries WHERE hotlist = $h", ("$h", hotlist));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false)) keys.Add(string.Join('\u001f', r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)));
        return keys;
    }

    /// <summary>Replaces the list's contents; returns the new entries' ids, in order.</summary>
    public async Task<long[]> ReplaceEntriesAsync(string hotlist, IReadOnlyList<HotlistEntry> entries, DateTimeOffset refreshedAt, CancellationToken cancellationToken)
    {
        var ids = new long[entries.Count];
        await using var c = Open();
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var del = Command(c, "DELETE FROM entries WHERE hotlist = $h", ("$h", hotlist)))
        {
            del.Transaction = tx;
            await del.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using (var ins = InsertEntryCommand(c, tx))
        {
            for (int i = 0; i < entries.Count; i++) ids[i] = await InsertEntryAsync(ins, entries[i], cancellationToken).ConfigureAwait(false);
        }
        await using (var upd = Command(c, "UPDATE hotlists SET refreshed_ms = $t, stale_alarm_ms = NULL WHERE id = $h", ("$t", Ms(refreshedAt)), ("$h", hotlist)))
        {
            upd.Transaction = tx;
            await upd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ids;
    }

    public async Task<Dictionary<string, IReadOnlySet<string>>> CategoriesOffAsync(CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "SELECT agency, category FROM categories_off");
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var map = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!map.TryGetValue(r.GetString(0), out var set)) map[r.GetString(0)] = set = new HashSet<string>(StringComparer.Ordinal);
            set.Add(r.GetString(1));
        }
        return map.ToDictionary(kv => kv.Key, kv => (IReadOnlySet<string>)kv.Value, StringComparer.Ordinal);
    }

    public async Task SetCategoriesOffAsync(string agency, IReadOnlyCollection<string> off, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var del = Command(c, "DELETE FROM categories_off WHERE agency = $a", ("$a", agency)))
        {
            del.Transaction = tx;
            await del.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (string cat in off)
        {
            await using var ins = Command(c, "INSERT OR IGNORE INTO categories_off (agency, category) VALUES ($a, $c)", ("$a", agency), ("$c", cat));
            ins.Transaction = tx;
            await ins.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the lists that went stale without an alarm yet; returns them (one alarm per stale spell).</summary>
    public async Task<List<StaleAlarm>> RaiseStaleAlarmsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var raised = new List<StaleAlarm>();
        await using var c = Open();
        foreach (var list in await ListHotlistsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (!list.IsStale(now)) continue;
            await using var upd = Command(c, "UPDATE hotlists SET stale_alarm_ms = $now WHERE id = $id AND stale_alarm_ms IS NULL", ("$now", Ms(now)), ("$id", list.Id));
            if (await upd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0) continue;
            string message = string.Create(CultureInfo.InvariantCulture, $"Hotlist '{list.Name}' ({list.Id}) was last refreshed {list.RefreshedAt:O}, more than {list.RefreshInterval.TotalHours:0.#} h ago: its hits must be rechecked before acting. Refresh it.");
            await using var ins = Command(c, "INSERT INTO alarms (agency, hotlist, message, created_ms) VALUES ($a, $h, $m, $now) RETURNING id", ("$a", list.AgencyId), ("$h", list.Id), ("$m", message), ("$now", Ms(now)));
            long id = (long)(await ins.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            raised.Add(new StaleAlarm(id, list.AgencyId, list.Id, message, now));
        }
        return raised;
    }

    public async Task<List<StaleAlarm>> AlarmsAsync(string agency, int limit, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "SELECT id, agency, hotlist, message, created_ms FROM alarms WHERE agency = $a ORDER BY id DESC LIMIT $l", ("$a", agency), ("$l", limit));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<StaleAlarm>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false)) list.Add(new StaleAlarm(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), At(r.GetInt64(4))));
        return list;
    }

    // ---- subscriptions ----

    public async Task CreateSubscriptionAsync(Subscription s, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "INSERT INTO subscriptions (id, username, agency, channel, target, hotlist, category, min_priority, camera, area, created_ms) VALUES ($id, $u, $a, $ch, $t, $h, $c, $p, $cam, $area, $now)",
            ("$id", s.Id), ("$u", s.Username), ("$a", s.AgencyId), ("$ch", s.Channel), ("$t", s.Target), ("$h", s.HotlistId), ("$c", s.Category), ("$p", s.MinPriority), ("$cam", s.CameraId), ("$area", s.Area), ("$now", Ms(s.CreatedAt)));
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<List<Subscription>> SubscriptionsAsync(string? agency, string? username, CancellationToken cancellationToken) =>
        SubscriptionsAsync(agency, username, null, cancellationToken);

    private async Task<List<Subscription>> SubscriptionsAsync(string? agency, string? username, string? id, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "SELECT id, username, agency, channel, target, hotlist, category, min_priority, camera, area, created_ms FROM subscriptions " +
            "WHERE ($a IS NULL OR agency = $a) AND ($u IS NULL OR username = $u) AND ($id IS NULL OR id = $id) ORDER BY id",
            ("$a", agency), ("$u", username), ("$id", id));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<Subscription>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new Subscription
            {
                Id = r.GetString(0), Username = r.GetString(1), AgencyId = r.GetString(2), Channel = r.GetString(3), Target = r.GetString(4),
                HotlistId = Str(r, 5), Category = Str(r, 6), MinPriority = r.IsDBNull(7) ? null : r.GetInt32(7), CameraId = Str(r, 8), Area = Str(r, 9), CreatedAt = At(r.GetInt64(10)),
            });
        }
        return list;
    }

    public async Task<Subscription?> GetSubscriptionAsync(string id, CancellationToken cancellationToken) =>
        (await SubscriptionsAsync(null, null, id, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public async Task<bool> DeleteSubscriptionAsync(string id, string username, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "DELETE FROM subscriptions WHERE id = $id AND username = $u", ("$id", id), ("$u", username));
        bool gone = await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        if (gone)
        {
            await using var cancel = Command(c, "UPDATE deliveries SET status = 'cancelled' WHERE subscription = $id AND status = 'pending'", ("$id", id));
            await cancel.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return gone;
    }

    // ---- alerts and the outbox ----

    /// <summary>
    /// Writes alerts and their deliveries in one transaction. An alert for a (read, entry) pair already stored is
    /// skipped, so reprocessing a read never alerts twice. Returns the alerts that were new, with their sequence.
    /// </summary>
    public async Task<List<(long Sequence, AlertContent Alert)>> AddAlertsAsync(IReadOnlyList<(AlertContent Alert, string AgencyId, IReadOnlyList<Subscription> To)> alerts, CancellationToken cancellationToken)
    {
        var added = new List<(long, AlertContent)>();
        await using var c = Open();
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (a, agency, to) in alerts)
        {
            await using var ins = Command(c, "INSERT OR IGNORE INTO alerts (id, agency, created_ms, read_id, camera, hotlist, entry_id, historical, body) VALUES ($id, $a, $t, $r, $cam, $h, $e, $hist, $body) RETURNING seq",
                ("$id", a.Id), ("$a", agency), ("$t", Ms(a.CreatedAt)), ("$r", a.Read.Id), ("$cam", a.Read.CameraId), ("$h", a.Entry.HotlistId), ("$e", a.Entry.Id), ("$hist", a.Historical ? 1 : 0),
                ("$body", JsonSerializer.Serialize(a, Json)));
            ins.Transaction = tx;
            object? seq = await ins.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (seq is null) continue;
            foreach (var s in to)
            {
                await using var d = Command(c, "INSERT OR IGNORE INTO deliveries (alert_id, subscription, channel, status, next_ms) VALUES ($a, $s, $ch, 'pending', $t)",
                    ("$a", a.Id), ("$s", s.Id), ("$ch", s.Channel), ("$t", Ms(a.CreatedAt)));
                d.Transaction = tx;
                await d.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            added.Add(((long)seq, a));
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    private const string AlertColumns = "seq, body, status, decided_by, decided_ms, reject_reason, outcome, outcome_by, outcome_ms, note";

    private static AlertView ReadAlert(SqliteDataReader r) => new()
    {
        Sequence = r.GetInt64(0),
        Content = JsonSerializer.Deserialize<AlertContent>(r.GetString(1), Json)!,
        Status = r.GetString(2),
        DecidedBy = Str(r, 3),
        DecidedAt = Long(r, 4) is { } d ? At(d) : null,
        RejectReason = Str(r, 5),
        Outcome = Str(r, 6),
        OutcomeBy = Str(r, 7),
        OutcomeAt = Long(r, 8) is { } o ? At(o) : null,
        Note = Str(r, 9),
    };

    public async Task<List<AlertView>> AlertsAsync(string agency, string? status, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, $"SELECT {AlertColumns} FROM alerts WHERE agency = $a AND ($s IS NULL OR status = $s) AND seq > $after ORDER BY seq LIMIT $l",
            ("$a", agency), ("$s", status), ("$after", afterSequence), ("$l", limit));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<AlertView>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false)) list.Add(ReadAlert(r));
        return list;
    }

    public async Task<(AlertView Alert, string AgencyId)?> GetAlertAsync(string id, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, $"SELECT {AlertColumns}, agency FROM alerts WHERE id = $id", ("$id", id));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await r.ReadAsync(cancellationToken).ConfigureAwait(false) ? (ReadAlert(r), r.GetString(10)) : null;
    }

    /// <summary>Moves a new alert to verified or rejected; false if it was no longer new (a concurrent decision wins once).</summary>
    public async Task<bool> DecideAsync(string id, string status, string by, DateTimeOffset at, string? reason, string? note, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "UPDATE alerts SET status = $s, decided_by = $by, decided_ms = $t, reject_reason = $r, note = $n WHERE id = $id AND status = 'new'",
            ("$s", status), ("$by", by), ("$t", Ms(at)), ("$r", reason), ("$n", note), ("$id", id));
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<bool> RecordOutcomeAsync(string id, string outcome, string by, DateTimeOffset at, string? note, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "UPDATE alerts SET outcome = $o, outcome_by = $by, outcome_ms = $t, note = coalesce($n, note) WHERE id = $id AND status = 'verified' AND outcome IS NULL",
            ("$o", outcome), ("$by", by), ("$t", Ms(at)), ("$n", note), ("$id", id));
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    internal sealed record MetricRow(string Key, long Total, long Verified, long Rejected, double? MedianSecondsToDecision);

    /// <summary>Live hits (not back-search) grouped by list or by camera.</summary>
    public async Task<List<MetricRow>> MetricsAsync(string agency, bool byCamera, CancellationToken cancellationToken)
    {
        string key = byCamera ? "camera" : "hotlist";
        await using var c = Open();
        await using var cmd = Command(c, $"SELECT {key}, status, decided_ms - created_ms FROM alerts WHERE agency = $a AND historical = 0 ORDER BY {key}", ("$a", agency));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(string Key, string Status, long? Delay)>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add((r.GetString(0), r.GetString(1), Long(r, 2)));
        return [.. rows.GroupBy(x => x.Key, StringComparer.Ordinal).Select(g =>
        {
            var delays = g.Where(x => x.Delay is not null).Select(x => x.Delay!.Value / 1000.0).Order().ToList();
            return new MetricRow(g.Key, g.Count(), g.Count(x => x.Status == AlertStatus.Verified), g.Count(x => x.Status == AlertStatus.Rejected),
                delays.Count == 0 ? null : delays[delays.Count / 2]);
        })];
    }

    /// <summary>Deliveries due now, oldest first.</summary>
    public async Task<List<DeliveryView>> DueDeliveriesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "SELECT alert_id, subscription, channel, status, attempts, next_ms, last_error, delivered_ms FROM deliveries WHERE status = 'pending' AND next_ms <= $now ORDER BY next_ms LIMIT $l",
            ("$now", Ms(now)), ("$l", limit));
        return await ReadDeliveriesAsync(cmd, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "SELECT min(next_ms) FROM deliveries WHERE status = 'pending'");
        object? v = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return v is long ms ? At(ms) : null;
    }

    public async Task<List<DeliveryView>> DeliveriesAsync(string? agency, string? status, string? alertId, int limit, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "SELECT d.alert_id, d.subscription, d.channel, d.status, d.attempts, d.next_ms, d.last_error, d.delivered_ms FROM deliveries d JOIN alerts a ON a.id = d.alert_id " +
            "WHERE ($a IS NULL OR a.agency = $a) AND ($s IS NULL OR d.status = $s) AND ($id IS NULL OR d.alert_id = $id) ORDER BY a.seq LIMIT $l",
            ("$a", agency), ("$s", status), ("$id", alertId), ("$l", limit));
        return await ReadDeliveriesAsync(cmd, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<DeliveryView>> ReadDeliveriesAsync(SqliteCommand cmd, CancellationToken cancellationToken)
    {
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<DeliveryView>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            list.Add(new DeliveryView(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4), At(r.GetInt64(5)), Str(r, 6), Long(r, 7) is { } d ? At(d) : null));
        return list;
    }

    /// <summary>Records one attempt's result: delivered, retry at <paramref name="next"/>, or dead. Only a pending delivery changes.</summary>
    public async Task RecordAttemptAsync(string alertId, string subscription, string status, DateTimeOffset next, string? error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "UPDATE deliveries SET status = $s, attempts = attempts + 1, next_ms = $n, last_error = $e, delivered_ms = CASE WHEN $s = 'delivered' THEN $now ELSE NULL END " +
            "WHERE alert_id = $a AND subscription = $sub AND status = 'pending'",
            ("$s", status), ("$n", Ms(next)), ("$e", error is { Length: > 500 } ? error[..500] : error), ("$now", Ms(now)), ("$a", alertId), ("$sub", subscription));
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts a dead-lettered delivery back in the queue (admin action).</summary>
    public async Task<bool> RequeueAsync(string alertId, string subscription, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "UPDATE deliveries SET status = 'pending', next_ms = $now WHERE alert_id = $a AND subscription = $s AND status = 'dead'",
            ("$now", Ms(now)), ("$a", alertId), ("$s", subscription));
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    // ---- registrations ----

    public async Task<int> UpsertRegistrationsAsync(IReadOnlyList<RegistrationRecord> records, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var g in records)
        {
            await using var cmd = Command(c, "INSERT OR REPLACE INTO registrations (plate, region, vin, make, model, year, colour, body, owner_name, owner_address, expires) VALUES ($p, $r, $v, $mk, $md, $y, $c, $b, $on, $oa, $e)",
                ("$p", g.Plate), ("$r", g.Region), ("$v", g.Vin), ("$mk", g.Make), ("$md", g.Model), ("$y", g.Year), ("$c", g.Colour), ("$b", g.Body), ("$on", g.OwnerName), ("$oa", g.OwnerAddress),
                ("$e", g.Expires?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
            cmd.Transaction = tx;
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return records.Count;
    }

    public async Task<List<RegistrationRecord>> RegistrationsAsync(string plate, string? region, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "SELECT plate, region, vin, make, model, year, colour, body, owner_name, owner_address, expires FROM registrations WHERE plate = $p AND ($r IS NULL OR region = $r) ORDER BY region",
            ("$p", plate), ("$r", region));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<RegistrationRecord>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new RegistrationRecord(r.GetString(0), r.GetString(1), Str(r, 2), Str(r, 3), Str(r, 4), r.IsDBNull(5) ? null : r.GetInt32(5), Str(r, 6), Str(r, 7), Str(r, 8), Str(r, 9),
                Str(r, 10) is { } e ? DateOnly.ParseExact(e, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null));
        }
        return list;
    }

    public async Task SetRegistrationAccessAsync(string username, bool granted, string by, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = granted
            ? Command(c, "INSERT OR REPLACE INTO registration_access (username, granted_by, granted_ms) VALUES ($u, $by, $t)", ("$u", username), ("$by", by), ("$t", Ms(now)))
            : Command(c, "DELETE FROM registration_access WHERE username = $u", ("$u", username));
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> HasRegistrationAccessAsync(string username, CancellationToken cancellationToken)
    {
        await using var c = Open();
        await using var cmd = Command(c, "SELECT 1 FROM registration_access WHERE username = $u", ("$u", username));
        return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }
}
