using Platewatch.Alerts.Hotlists;
using Platewatch.Alerts.Matching;
using Platewatch.Geo;
using Platewatch.Reads;

namespace Platewatch.Alerts.Tests;

public sealed class MatchingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 3, 8, 0, 0, TimeSpan.Zero);

    internal static Hotlist List(string id = "ncic", string agency = "pd", TimeSpan? interval = null, DateTimeOffset? refreshed = null) => new()
    {
        Id = id, AgencyId = agency, Name = id, Source = "test", RefreshInterval = interval ?? TimeSpan.FromHours(12), RefreshedAt = refreshed ?? Now.AddHours(-1),
    };

    internal static HotlistEntry Entry(string plate, string region = "US-WA", string category = HotlistCategories.StolenVehicle, string list = "ncic", DateTimeOffset? expires = null) => new HotlistEntry
    {
        HotlistId = list, Plate = plate, Region = region, Category = category, Reason = "stolen", CaseNumber = "24-1",
        AddedBy = "t", AddedAt = Now.AddDays(-1), ExpiresAt = expires,
    }.Validated();

    internal static PlateRead Read(string plate, string region = "US-WA", params string[] candidates) => new()
    {
        Id = ReadId.New(Now), Plate = plate, Region = region, Confidence = 0.9f, CapturedAt = Now,
        Location = new GeoPoint(47.6, -122.3), CameraId = "cam", AgencyId = "pd",
        Candidates = [.. candidates.Select(c => new PlateCandidate(c, 0.4f))],
    };

    private static HotlistHit[] Match(HotlistIndex index, PlateRead read)
    {
        var hits = new HotlistHit[16];
        int n = index.Match(read, Now, hits);
        return hits[..n];
    }

    private static HotlistIndex Index(params HotlistEntry[] entries) => HotlistIndex.Build([List()], entries, CategorySwitches.AllOn, Now);

    [Fact]
    public void Exact_plate_matches_with_full_score()
    {
        var index = Index(Entry("5SOW750"), Entry("ABC1234"));
        var hit = Assert.Single(Match(index, Read("ABC1234")));
        Assert.Equal(MatchKind.Exact, hit.Kind);
        Assert.Equal(1.0f, hit.Score);
        Assert.Equal("ABC1234", index.Entries[hit.EntryIndex].Plate);
        Assert.False(hit.OtherRegion);
    }

    [Fact]
    public void Look_alike_characters_match_as_look_alike()
    {
        var index = Index(Entry("5SOW750"));
        var hit = Assert.Single(Match(index, Read("S50W75O")));
        Assert.Equal(MatchKind.LookAlike, hit.Kind);
        Assert.True(hit.Score < 1.0f);
    }

    [Theory]
    [InlineData("5SOW350")]   // replaced (the San Francisco misread)
    [InlineData("5SOW75")]    // deleted
    [InlineData("5SOW7504")]  // inserted
    [InlineData("X5SOW750")]  // inserted at the front
    [InlineData("SOW750")]    // first deleted
    public void One_edit_matches_as_edit(string read)
    {
        var index = Index(Entry("5SOW750"));
        var hit = Assert.Single(Match(index, Read(read)));
        Assert.Equal(MatchKind.Edit, hit.Kind);
    }

    [Theory]
    [InlineData("5SOW399")]   // two replaced
    [InlineData("S5OW705")]   // transposed twice
    [InlineData("ABC1234")]
    [InlineData("5SOW7")]     // two deleted
    public void Two_edits_or_more_do_not_match(string read)
    {
        var index = Index(Entry("5SOW750"));
        Assert.Empty(Match(index, Read(read)));
    }

    [Fact]
    public void Candidates_are_matched_too_and_the_best_kind_wins()
    {
        var index = Index(Entry("ABC1234"));
        var hit = Assert.Single(Match(index, Read("XYZ9999", "US-WA", "ABC1284", "ABC1234")));
        Assert.Equal(MatchKind.Exact, hit.Kind);
        Assert.Equal(2, hit.CandidateRank);
        Assert.True(hit.Score < 1.0f, "a candidate weighs less than the plate itself");
    }

    [Fact]
    public void Another_region_is_a_weaker_match_that_is_flagged_not_hidden()
    {
        var index = Index(Entry("ABC1234", region: "US-OR"));
        var hit = Assert.Single(Match(index, Read("ABC1234", "US-WA")));
        Assert.True(hit.OtherRegion);
        Assert.Equal(HotlistIndex.OtherRegionFactor, hit.Score);
        // No region on the read: no flag.
        Assert.False(Assert.Single(Match(index, Read("ABC1234", ""))).OtherRegion);
    }

    [Fact]
    public void Expired_entries_do_not_match()
    {
        var index = Index(Entry("EXP1"), Entry("LIVE1", expires: Now.AddMinutes(5)), Entry("GONE1", expires: Now.AddMinutes(-5)));
        Assert.Empty(Match(index, Read("GONE1")));
        Assert.Single(Match(index, Read("LIVE1")));
        // An entry that expires after the index was built stops matching at its expiry.
        var later = new HotlistHit[4];
        Assert.Equal(0, index.Match(Read("LIVE1"), Now.AddMinutes(6), later));
    }

    [Fact]
    public void Switched_off_categories_raise_no_hit()
    {
        var switches = new CategorySwitches(new Dictionary<string, IReadOnlySet<string>> { ["pd"] = new HashSet<string> { "immigration-violator" } });
        var index = HotlistIndex.Build([List()], [Entry("IMM1", category: "immigration-violator"), Entry("STO1")], switches, Now);
        Assert.Empty(Match(index, Read("IMM1")));
        Assert.Single(Match(index, Read("STO1")));
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void Hits_on_a_list_past_its_refresh_interval_are_stale()
    {
        var stale = List("old", refreshed: Now.AddDays(-2), interval: TimeSpan.FromHours(24));
        var index = HotlistIndex.Build([stale, List()], [Entry("OLD1", list: "old"), Entry("NEW1")], CategorySwitches.AllOn, Now);
        Assert.True(Assert.Single(Match(index, Read("OLD1"))).Stale);
        Assert.False(Assert.Single(Match(index, Read("NEW1"))).Stale);
        Assert.True(stale.IsStale(Now));
    }

    [Fact]
    public void Many_entries_sharing_keys_are_all_confirmed()
    {
        // Plates one edit apart share deletion keys; each must still be checked on its own.
        var entries = new[] { "AB123", "AB124", "AB12", "XAB123", "ZZ999" }.Select(p => Entry(p)).ToArray();
        var index = Index(entries);
        var hits = Match(index, Read("AB123"));
        Assert.Equal(["AB12", "AB123", "AB124", "XAB123"], hits.Select(h => index.Entries[h.EntryIndex].Plate).Order(StringComparer.Ordinal));
        Assert.Equal(MatchKind.Exact, hits.Single(h => index.Entries[h.EntryIndex].Plate == "AB123").Kind);
    }

    [Fact]
    public void Tolerant_matching_agrees_with_skeleton_distance_on_random_plates()
    {
        var rng = new Random(7);
        const string alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
        string Plate(int len) => new([.. Enumerable.Range(0, len).Select(_ => alphabet[rng.Next(alphabet.Length)])]);
        var plates = Enumerable.Range(0, 3000).Select(_ => Plate(rng.Next(4, 8))).Distinct().ToArray();
        var index = Index([.. plates.Select(p => Entry(p))]);
        for (int i = 0; i < 500; i++)
        {
            string probe = i % 2 == 0 ? Plate(rng.Next(4, 8)) : Mutate(plates[rng.Next(plates.Length)], rng, alphabet);
            var expected = plates.Where(p => Plates.PlateText.SkeletonDistance(p, probe, 1) <= 1).Order(StringComparer.Ordinal).ToArray();
            var hits = new HotlistHit[64];
            int n = index.Match(Read(probe), Now, hits);
            Assert.Equal(expected, hits[..n].Select(h => index.Entries[h.EntryIndex].Plate).Order(StringComparer.Ordinal).ToArray());
        }
    }

    [Fact]
    public async Task Matching_stays_correct_while_the_index_is_swapped()
    {
        // Readers take the current index once per read; a writer keeps replacing it with lists that change around a
        // permanent entry. Every read of that entry must find exactly it, whichever index it got.
        var keep = Entry("KEEP123");
        HotlistIndex current = Index(keep);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            var rng = new Random(3);
            while (!stop.IsCancellationRequested)
            {
                var others = Enumerable.Range(0, 200).Select(_ => Entry($"Z{rng.Next(100_000, 999_999)}")).Append(keep).ToArray();
                Volatile.Write(ref current, Index(others));
            }
        }, TestContext.Current.CancellationToken);
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var hits = new HotlistHit[8];
            for (int i = 0; i < 20_000; i++)
            {
                var index = Volatile.Read(ref current);
                int n = index.Match(Read("KEEP123"), Now, hits);
                Assert.Equal(1, n);
                Assert.Equal("KEEP123", index.Entries[hits[0].EntryIndex].Plate);
                Assert.Equal(MatchKind.Exact, hits[0].Kind);
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        await Task.WhenAll(readers);
        await stop.CancelAsync();
        await writer;
    }

    private static string Mutate(string p, Random rng, string alphabet) => rng.Next(3) switch
    {
        0 => p.Remove(rng.Next(p.Length), 1),
        1 => p.Insert(rng.Next(p.Length + 1), alphabet[rng.Next(alphabet.Length)].ToString()),
        _ => p.Remove(rng.Next(p.Length), 1).Insert(rng.Next(p.Length - 1), alphabet[rng.Next(alphabet.Length)].ToString()),
    };
}
