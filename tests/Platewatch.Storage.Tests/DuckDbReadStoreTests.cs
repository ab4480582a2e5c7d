using DuckDB.NET.Data;
using Platewatch.Plates;
using Platewatch.Reads;
using Platewatch.Storage.DuckDb;
using static Platewatch.Storage.Tests.TestReads;

namespace Platewatch.Storage.Tests;

/// <summary>The store contract, run on the embedded DuckDB store.</summary>
public sealed class DuckDbReadStoreTests : ReadStoreContract
{
    protected override Task<IReadStore> OpenAsync(string directory) =>
        Task.FromResult<IReadStore>(DuckDbReadStore.Open(directory, new DuckDbStoreOptions { Threads = 2, MemoryLimit = "1GB" }));

    protected override Task CompactAsync(IReadStore store) =>
        ((DuckDbReadStore)store).CompactAllAsync(TestContext.Current.CancellationToken);

    [Fact]
    public async Task A_store_written_with_uuid_ids_and_no_skeleton_column_is_upgraded_on_open()
    {
        var ct = TestContext.Current.CancellationToken;
        PlateRead[] written = [Make("OLD350", T0), Make("0LD350", T0.AddMinutes(1)), Make("OLD350", T0.AddDays(9))];
        await Store.AppendAsync(written[..2], ct);
        await CompactAsync(Store);
        await Store.AppendAsync(written[2..], ct);
        await Store.DisposeAsync();
        // Turn the tables back into the previous layout.
        using (var c = new DuckDBConnection($"Data Source={Path.Combine(Directory, "reads.duckdb")}"))
        {
            c.Open();
            var tables = new List<string>();
            using (var cmd = c.CreateCommand())
            {
                cmd.CommandText = "SELECT c.table_name FROM duckdb_columns() c JOIN duckdb_tables() t USING (table_name) WHERE c.column_name = 'skel'";
                using var r = cmd.ExecuteReader();
                while (r.Read()) tables.Add(r.GetString(0));
            }
            foreach (string t in tables)
            {
                // The earlier layout: the id as one UUID column, no skeleton.
                Exec(c, "CREATE OR REPLACE TABLE ids (idh BIGINT, idl BIGINT, ts BIGINT, id UUID)");
                var rows = new List<(long H, long L, long Ts)>();
                using (var cmd = c.CreateCommand())
                {
                    cmd.CommandText = $"SELECT idh, idl, ts FROM {t}";
                    using var r = cmd.ExecuteReader();
                    while (r.Read()) rows.Add((r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
                }
                using (var app = c.CreateAppender("ids"))
                {
                    var b = new byte[16];
                    foreach (var (h, l, ts) in rows)
                    {
                        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(b, unchecked(h + (ts << 16)));
                        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(b.AsSpan(8), l);
                        app.CreateRow().AppendValue(h).AppendValue(l).AppendValue(ts).AppendValue(new Guid(b, bigEndian: true)).EndRow();
                    }
                }
                Exec(c, $"CREATE TABLE old AS SELECT i.id, t.* EXCLUDE (idh, idl, skel) FROM {t} t JOIN ids i USING (idh, idl, ts)");
                Exec(c, $"DROP TABLE {t}");
                Exec(c, $"ALTER TABLE old RENAME TO {t}");
            }
            Exec(c, "DROP TABLE ids");
        }

        Store = await OpenAsync(Directory);
        var page = await Search(Window(T0.AddDays(-1), T0.AddDays(10)) with { Plate = PlatePattern.Exact("OLD350") });
        var fuzzy = await Search(Window(T0.AddDays(-1), T0.AddDays(10)) with { Plate = PlatePattern.Fuzzy("OLD350", 0) });

        Assert.Equal(2, page.Reads.Length);
        Assert.Equal(["OLD350", "0LD350", "OLD350"], PlatesOf(fuzzy.Reads));
        Assert.Equal(written.Select(r => r.Id).Order(), fuzzy.Reads.Select(r => r.Id).Order());
        // Still idempotent: the same reads again are duplicates.
        Assert.Equal(0, (await Store.AppendAsync(written, ct)).Added);
    }

    private static void Exec(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public async Task Window_scans_without_ids_read_the_place_and_minute_copy_of_sealed_weeks()
    {
        await Store.AppendAsync([Make("COPY1", T0, where: Downtown)], TestContext.Current.CancellationToken);
        await CompactAsync(Store);
        var box = Geo.Haversine.BoxAround(Downtown.Latitude, Downtown.Longitude, 50);
        var filter = new Query.ScanFilter { Range = new Reads.TimeRange(T0.AddDays(-1), T0.AddDays(1)), Windows = [new(box, T0.AddMinutes(-1), T0.AddMinutes(1))] };

        var withIds = Assert.Single(await Scan(filter));
        var fromCopy = Assert.Single(await Scan(filter with { IdsNeeded = false }));

        Assert.NotEqual(default, withIds.Id);
        Assert.Equal(default, fromCopy.Id);
        Assert.True(File.Exists(Path.Combine(Directory, "windows.duckdb")));
    }
}
