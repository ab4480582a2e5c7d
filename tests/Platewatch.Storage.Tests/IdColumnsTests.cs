using DuckDB.NET.Data;
using Platewatch.Storage.DuckDb;

namespace Platewatch.Storage.Tests;

/// <summary>The id stored as two integers relative to the read's time: exact for any id, the same in C# and in SQL.</summary>
public sealed class IdColumnsTests
{
    private static readonly long[] Times = [0, 1, 1_780_000_000_000, 4_102_444_800_000, -86_400_000];

    public static TheoryData<string> Ids() =>
    [
        "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", // UUIDv7
        "f190a1b2-c3d4-4e5f-ca9b-fc1d2e3f4a5b", // v4, top bits set in both halves
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "7fffffff-ffff-ffff-7fff-ffffffffffff",
    ];

    [Theory]
    [MemberData(nameof(Ids))]
    public void Any_id_round_trips_at_any_time(string text)
    {
        var id = Guid.Parse(text);
        foreach (long ts in Times)
        {
            var (h, l) = ReadSchema.SplitId(id, ts);
            Assert.Equal(id, ReadSchema.JoinId(h, l, ts));
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_upgrade_sql_splits_a_uuid_column_as_the_store_does(string text)
    {
        var id = Guid.Parse(text);
        using var c = new DuckDBConnection("Data Source=:memory:");
        c.Open();
        foreach (long ts in Times.Where(t => t >= 0))
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT {ReadSchema.SplitIdSql("id", "ts")} FROM (SELECT $id::UUID AS id, $ts::BIGINT AS ts)";
            cmd.Parameters.Add(new DuckDBParameter("id", text));
            cmd.Parameters.Add(new DuckDBParameter("ts", ts));
            using var r = cmd.ExecuteReader();
            Assert.True(r.Read());
            Assert.Equal(ReadSchema.SplitId(id, ts), (r.GetInt64(0), r.GetInt64(1)));
        }
    }

    [Fact]
    public void A_read_minted_at_capture_keeps_only_its_random_bits_in_the_high_half()
    {
        var at = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        var id = Reads.ReadId.New(at).Value;

        var (h, _) = ReadSchema.SplitId(id, at.ToUnixTimeMilliseconds());

        Assert.InRange(h, 0, 0xFFFF);
    }
}
