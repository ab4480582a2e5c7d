using DuckDB.NET.Data;
using Platewatch.Plates;
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
    public async Task A_store_written_before_the_skeleton_and_vehicle_columns_is_upgraded_on_open()
    {
        var ct = TestContext.Current.CancellationToken;
        await Store.AppendAsync([Make("OLD350", T0), Make("0LD350", T0.AddMinutes(1))], ct);
        await CompactAsync(Store);
        await Store.AppendAsync([Make("OLD350", T0.AddDays(9)), Full(T0.AddDays(9))], ct);
        await Store.DisposeAsync();
        // Take the column away again, as a store of the previous version has it.
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
                foreach (string column in new[] { "speed", "heading", "vehicle", "skel" })
                {
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = $"ALTER TABLE {t} DROP COLUMN {column}";
                    cmd.ExecuteNonQuery();
                }
                // The earlier layout kept heading, speed and the vehicle in the shared string.
                using var old = c.CreateCommand();
                old.CommandText = $"UPDATE {t} SET extra = extra || chr(30) || 'h=2715' || chr(30) || 's=482' || chr(30) || 't=suv' || chr(30) || 'c=red' || chr(30) || 'm=ford' WHERE plate = 'ABC1234'";
                old.ExecuteNonQuery();
            }
        }

        Store = await OpenAsync(Directory);
        var page = await Search(Window(T0.AddDays(-1), T0.AddDays(10)) with { Plate = PlatePattern.Exact("OLD350") });
        var fuzzy = await Search(Window(T0.AddDays(-1), T0.AddDays(10)) with { Plate = PlatePattern.Fuzzy("OLD350", 0) });

        var full = Assert.Single((await Search(Window(T0.AddDays(-1), T0.AddDays(10)) with { Plate = PlatePattern.Exact("ABC1234") })).Reads);

        Assert.Equal(2, page.Reads.Length);
        Assert.Equal(["OLD350", "0LD350", "OLD350"], PlatesOf(fuzzy.Reads));
        Assert.Equal(new Reads.VehicleAttributes("suv", "red", "ford"), full.Vehicle);
        Assert.Equal(271.5f, full.Heading!.Value, 0.01f);
        Assert.Equal(48.2f, full.SpeedKmh!.Value, 0.01f);
        Assert.Equal(2, full.Candidates.Length);
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
