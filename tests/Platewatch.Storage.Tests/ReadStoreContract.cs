using System.Collections.Immutable;
using Platewatch.Audit;
using Platewatch.Geo;
using Platewatch.Plates;
using Platewatch.Query;
using Platewatch.Reads;
using static Platewatch.Storage.Tests.TestReads;

namespace Platewatch.Storage.Tests;

/// <summary>
/// What every read store must do. Each backend's test class derives from this and supplies the store;
/// every query goes through the audited query service, as it does in the product.
/// </summary>
public abstract class ReadStoreContract : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pw-store-" + Guid.NewGuid().ToString("N"));
    private FileAuditLog? _audit;

    protected IReadStore Store { get; set; } = null!;

    protected string Directory => _dir;

    protected static readonly Principal Investigator = new("alice", "agency-a", "investigator");
    protected static readonly AccessPurpose Why = new("stolen-vehicle", "CASE-1");

    /// <summary>Opens the backend over <paramref name="directory"/>; called again to reopen after dispose.</summary>
    protected abstract Task<IReadStore> OpenAsync(string directory);

    /// <summary>Moves everything into the backend's long-term layout, so tests cover both layouts.</summary>
    protected abstract Task CompactAsync(IReadStore store);

    public async ValueTask InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_dir);
        Store = await OpenAsync(_dir);
        _audit = new FileAuditLog(Path.Combine(_dir, "audit"));
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _audit?.Dispose();
        try { System.IO.Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }

    protected ReadQueryService Service(params DataPolicy[] policies) =>
        new(Store, _audit!, policies.Length > 0 ? policies : [DataPolicy.DefaultFor("agency-a") with { RetentionDays = 100_000 }]);

    protected Task<ReadPage> Search(ReadQuery q, Principal? who = null) =>
        Service().SearchAsync(who ?? Investigator, Why, q, "test", TestContext.Current.CancellationToken);

    protected static ReadQuery Window(DateTimeOffset from, DateTimeOffset to) => new() { Range = new TimeRange(from, to) };

    protected static ReadQuery Around(DateTimeOffset t) => Window(t.AddDays(-1), t.AddDays(1));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stored_read_comes_back_with_every_field()
    {
        var read = Full(T0);
        await Store.AppendAsync([read], Ct);

        var page = await Search(Around(T0) with { Plate = PlatePattern.Exact("ABC1234") });

        var got = Assert.Single(page.Reads);
        Assert.Equal(read.Id, got.Id);
        Assert.Equal(read.Plate, got.Plate);
        Assert.Equal(read.PlateRaw, got.PlateRaw);
        Assert.Equal(read.Region, got.Region);
        Assert.Equal(read.Confidence, got.Confidence, 0.0001f);
        Assert.Equal(read.Candidates.Select(c => c.Plate), got.Candidates.Select(c => c.Plate));
        Assert.Equal(read.Candidates[0].Confidence, got.Candidates[0].Confidence, 0.0001f);
        Assert.Equal(read.CapturedAt, got.CapturedAt);
        Assert.Equal(read.Location.Latitude, got.Location.Latitude, 0.000001);
        Assert.Equal(read.Location.Longitude, got.Location.Longitude, 0.000001);
        Assert.Equal(read.Location.AccuracyMeters, got.Location.AccuracyMeters, 0.1f);
        Assert.Equal(read.Heading!.Value, got.Heading!.Value, 0.1f);
        Assert.Equal(read.SpeedKmh!.Value, got.SpeedKmh!.Value, 0.1f);
        Assert.Equal(read.Vehicle, got.Vehicle);
        Assert.Equal(read.CameraId, got.CameraId);
        Assert.Equal(read.AgencyId, got.AgencyId);
        Assert.Equal(read.Images, got.Images);
        Assert.Equal(read.Pass, got.Pass);
    }

    [Fact]
    public async Task Appending_the_same_batch_twice_adds_nothing_the_second_time()
    {
        var batch = Enumerable.Range(0, 50).Select(i => Make($"DUP{i:D3}", T0.AddSeconds(i))).ToList();

        var first = await Store.AppendAsync(batch, Ct);
        var second = await Store.AppendAsync(batch, Ct);

        Assert.Equal((50, 0), (first.Added, first.Duplicates));
        Assert.Equal((0, 50), (second.Added, second.Duplicates));
        Assert.Equal(batch.Select(r => r.Id).Order(), second.DuplicateIds.Order());
        Assert.Equal(50, (await Store.GetStatsAsync(Ct)).Reads);
    }

    [Fact]
    public async Task A_batch_mixing_new_and_stored_reads_adds_only_the_new_ones()
    {
        var old = Make("OLD1", T0);
        await Store.AppendAsync([old], Ct);

        var result = await Store.AppendAsync([old, Make("NEW1", T0.AddMinutes(1)), old], Ct);

        Assert.Equal(1, result.Added);
        Assert.Equal(2, result.Duplicates);
        Assert.Equal(2, (await Store.GetStatsAsync(Ct)).Reads);
    }

    [Fact]
    public async Task A_read_repeated_within_one_batch_is_stored_once()
    {
        var read = Make("TWICE1");

        var result = await Store.AppendAsync([read, Make("ONCE1"), read], Ct);

        Assert.Equal((2, 1), (result.Added, result.Duplicates));
        Assert.Equal([read.Id], result.DuplicateIds);
        Assert.Single((await Search(Around(T0) with { Plate = PlatePattern.Exact("TWICE1") })).Reads);
    }

    [Fact]
    public async Task Duplicates_are_recognised_after_compaction_and_reopening()
    {
        var batch = Enumerable.Range(0, 20).Select(i => Make($"RE{i:D3}", T0.AddHours(i * 3))).ToList();
        await Store.AppendAsync(batch, Ct);
        await CompactAsync(Store);
        await Store.DisposeAsync();
        Store = await OpenAsync(Directory);

        var again = await Store.AppendAsync(batch, Ct);

        Assert.Equal(0, again.Added);
        Assert.Equal(20, again.Duplicates);
    }

    [Fact]
    public async Task An_invalid_read_rejects_the_batch_and_stores_nothing()
    {
        var good = Make("GOOD1");
        var bad = Make("BAD1") with { Confidence = 1.5f };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Store.AppendAsync([good, bad], Ct));

        Assert.Contains("confidence", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await Store.GetStatsAsync(Ct)).Reads);
    }

    [Theory]
    [InlineData("abc 123")]
    [InlineData("")]
    [InlineData("ABCDEFGHIJKLMNOP")]
    public async Task A_plate_that_is_not_normalised_is_rejected(string plate)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.AppendAsync([Make("X1") with { Plate = plate }], Ct));
    }

    [Fact]
    public async Task Exact_plate_query_finds_only_that_plate_within_the_range()
    {
        await Store.AppendAsync(
        [
            Make("ABC123", T0), Make("ABC123", T0.AddDays(3)), Make("ABC124", T0), Make("ABC123", T0.AddDays(-40)),
        ], Ct);

        var page = await Search(Window(T0.AddDays(-1), T0.AddDays(5)) with { Plate = PlatePattern.Exact("abc-123") });

        Assert.Equal(2, page.Reads.Length);
        Assert.All(page.Reads, r => Assert.Equal("ABC123", r.Plate));
    }

    [Fact]
    public async Task Wildcards_match_one_character_or_any_run()
    {
        await Store.AppendAsync([Make("ABC123"), Make("ABD123"), Make("ABC1234"), Make("XBC123"), Make("AB123")], Ct);

        var question = await Search(Around(T0) with { Plate = PlatePattern.Wildcard("AB?123") });
        var star = await Search(Around(T0) with { Plate = PlatePattern.Wildcard("AB*123") });
        var leading = await Search(Around(T0) with { Plate = PlatePattern.Wildcard("*C123") });

        Assert.Equal(["ABC123", "ABD123"], PlatesOf(question.Reads).Order());
        Assert.Equal(["AB123", "ABC123", "ABD123"], PlatesOf(star.Reads).Order());
        Assert.Equal(["ABC123", "XBC123"], PlatesOf(leading.Reads).Order());
    }

    [Fact]
    public async Task Misread_tolerant_query_matches_look_alikes_and_one_edit_but_not_two()
    {
        await Store.AppendAsync(
        [
            Make("5OW350"), // look-alike of S0W350: S/5 and O/0
            Make("SOW750"), // one substitution
            Make("SOW35"),  // one deletion
            Make("XYZ350"), // three edits
            Make("SOW359"), // one substitution
            Make("SAW759"), // two edits after look-alikes
        ], Ct);

        var page = await Search(Around(T0) with { Plate = PlatePattern.Fuzzy("S0W350", 1) });

        Assert.Equal(["5OW350", "SOW35", "SOW359", "SOW750"], PlatesOf(page.Reads).Order());
    }

    [Fact]
    public async Task Radius_query_returns_reads_inside_the_circle_only()
    {
        await Store.AppendAsync(
        [
            Make("IN1", where: North(Downtown, 100)),
            Make("IN2", where: East(Downtown, 480)),
            Make("OUT1", where: North(Downtown, 520)),
            Make("OUT2", where: East(North(Downtown, 400), 400)), // inside the box, outside the circle
        ], Ct);

        var page = await Search(Around(T0) with { Area = new RadiusArea(Downtown, 500) });

        Assert.Equal(["IN1", "IN2"], PlatesOf(page.Reads).Order());
    }

    [Fact]
    public async Task Bounding_box_query_returns_reads_inside_the_box()
    {
        await Store.AppendAsync([Make("IN1", where: North(Downtown, 100)), Make("OUT1", where: North(Downtown, 2000))], Ct);
        var box = new BoundingBox(Downtown.Latitude - 0.005, Downtown.Longitude - 0.005, Downtown.Latitude + 0.005, Downtown.Longitude + 0.005);

        var page = await Search(Around(T0) with { Area = new BoxArea(box) });

        Assert.Equal(["IN1"], PlatesOf(page.Reads));
    }

    [Fact]
    public async Task Polygon_query_respects_a_concave_outline()
    {
        // An L shape: the notch in the top right is outside.
        var o = Downtown;
        var poly = new PolygonArea([o, East(o, 1000), East(North(o, 500), 1000), East(North(o, 500), 500), East(North(o, 1000), 500), North(o, 1000)]);
        await Store.AppendAsync(
        [
            Make("IN1", where: East(North(o, 250), 250)),
            Make("IN2", where: East(North(o, 750), 250)),
            Make("NOTCH", where: East(North(o, 750), 750)),
            Make("OUT", where: North(o, 1500)),
        ], Ct);

        var page = await Search(Around(T0) with { Area = poly });

        Assert.Equal(["IN1", "IN2"], PlatesOf(page.Reads).Order());
    }

    [Fact]
    public async Task Camera_query_returns_reads_of_the_named_cameras_in_the_window()
    {
        await Store.AppendAsync(
        [
            Make("C1", camera: "cam-1"), Make("C2", camera: "cam-2"), Make("C3", camera: "cam-3"),
            Make("C1LATE", T0.AddHours(5), camera: "cam-1"),
        ], Ct);

        var page = await Search(Window(T0.AddMinutes(-5), T0.AddMinutes(5)) with { Cameras = ["cam-1", "cam-2"] });

        Assert.Equal(["C1", "C2"], PlatesOf(page.Reads).Order());
    }

    [Fact]
    public async Task The_time_range_includes_its_start_and_excludes_its_end()
    {
        await Store.AppendAsync([Make("START", T0), Make("END", T0.AddHours(1)), Make("BEFORE", T0.AddMilliseconds(-1))], Ct);

        var page = await Search(Window(T0, T0.AddHours(1)));

        Assert.Equal(["START"], PlatesOf(page.Reads));
    }

    [Fact]
    public async Task Minimum_confidence_filters_weak_reads()
    {
        await Store.AppendAsync([Make("STRONG1", confidence: 0.95f), Make("WEAK1", confidence: 0.5f)], Ct);

        var page = await Search(Around(T0) with { MinConfidence = 0.75f });

        Assert.Equal(["STRONG1"], PlatesOf(page.Reads));
    }

    [Fact]
    public async Task An_id_query_returns_just_those_reads_including_after_compaction()
    {
        var wanted = Make("WANTED1");
        var other = Make("OTHER1");
        await Store.AppendAsync([wanted, other, Make("OTHER2")], Ct);
        await CompactAsync(Store);

        var page = await Search(Around(T0) with { Ids = [wanted.Id] });
        var none = await Search(Around(T0) with { Ids = [ReadId.New(T0)] });

        Assert.Equal([wanted.Id], page.Reads.Select(r => r.Id));
        Assert.Empty(none.Reads);
    }

    [Fact]
    public async Task Paging_returns_every_read_once_in_time_order()
    {
        var reads = Enumerable.Range(0, 95).Select(i => Make($"PG{i:D3}", T0.AddSeconds(i / 3))).ToList(); // ties in time
        await Store.AppendAsync(reads, Ct);

        var seen = new List<PlateRead>();
        ReadCursor? after = null;
        do
        {
            var page = await Search(Around(T0) with { Limit = 10, After = after });
            seen.AddRange(page.Reads);
            after = page.Next;
        }
        while (after is not null);

        Assert.Equal(95, seen.Count);
        Assert.Equal(95, seen.Select(r => r.Id).Distinct().Count());
        Assert.Equal(seen.OrderBy(r => r.CapturedAt).ThenBy(r => r.Id).Select(r => r.Id), seen.Select(r => r.Id));
    }

    [Fact]
    public async Task Queries_see_reads_in_both_the_recent_and_the_compacted_layout()
    {
        var plates = new List<PlateRead>();
        for (int day = 0; day < 70; day += 7) plates.Add(Make("HIST1", T0.AddDays(day)));
        await Store.AppendAsync(plates, Ct);
        await CompactAsync(Store);
        await Store.AppendAsync([Make("HIST1", T0.AddDays(71))], Ct);

        var page = await Search(Window(T0.AddDays(-1), T0.AddDays(80)) with { Plate = PlatePattern.Exact("HIST1") });

        Assert.Equal(11, page.Reads.Length);
    }

    [Fact]
    public async Task Another_agencys_reads_are_invisible_without_a_sharing_agreement()
    {
        await Store.AppendAsync([Make("SHARED1", agency: "agency-a"), Make("SHARED1", T0.AddMinutes(1), agency: "agency-b")], Ct);
        var a = DataPolicy.DefaultFor("agency-a") with { RetentionDays = 100_000 };
        var b = DataPolicy.DefaultFor("agency-b") with { RetentionDays = 100_000 };
        var bob = new Principal("bob", "agency-b", "investigator");
        var query = Around(T0) with { Plate = PlatePattern.Exact("SHARED1") };

        var isolated = await Service(a, b).SearchAsync(bob, Why, query, null, Ct);
        var shared = await Service(a with { SharingPartners = ["agency-b"] }, b).SearchAsync(bob, Why, query, null, Ct);

        Assert.Equal(["agency-b"], isolated.Reads.Select(r => r.AgencyId));
        Assert.Equal(["agency-a", "agency-b"], shared.Reads.Select(r => r.AgencyId).Order());
    }

    [Fact]
    public async Task Purge_deletes_only_reads_older_than_the_cutoff_and_counts_them()
    {
        var reads = Enumerable.Range(0, 60).Select(i => Make($"P{i:D3}", T0.AddDays(i))).ToList();
        await Store.AppendAsync(reads, Ct);
        await CompactAsync(Store);
        await Store.AppendAsync([Make("RECENT1", T0.AddDays(61))], Ct);

        long purged = await Store.PurgeOlderThanAsync(T0.AddDays(45), Ct);

        Assert.Equal(45, purged);
        var left = await Search(Window(T0.AddDays(-10), T0.AddDays(100)));
        Assert.Equal(16, left.Reads.Length);
        Assert.All(left.Reads, r => Assert.True(r.CapturedAt >= T0.AddDays(45)));
    }

    [Fact]
    public async Task Purge_on_a_month_boundary_keeps_reads_of_the_week_that_straddles_it()
    {
        // 2026-03-30 is a Monday: its week runs into April.
        var monday = new DateTimeOffset(2026, 3, 30, 12, 0, 0, TimeSpan.Zero);
        var reads = Enumerable.Range(0, 7).Select(i => Make($"W{i}", monday.AddDays(i))).ToList();
        await Store.AppendAsync(reads, Ct);
        await CompactAsync(Store);

        long purged = await Store.PurgeOlderThanAsync(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero), Ct);

        Assert.Equal(2, purged);
        var left = await Search(Window(monday.AddDays(-1), monday.AddDays(8)));
        Assert.Equal(["W2", "W3", "W4", "W5", "W6"], PlatesOf(left.Reads).Order());
    }

    [Fact]
    public async Task Stats_report_counts_and_the_time_span()
    {
        await Store.AppendAsync([Make("S1", T0, camera: "c1"), Make("S1", T0.AddDays(2), camera: "c2"), Make("S2", T0.AddDays(1), camera: "c1")], Ct);

        var stats = await Store.GetStatsAsync(Ct);

        Assert.Equal(3, stats.Reads);
        Assert.Equal(T0, stats.Oldest);
        Assert.Equal(T0.AddDays(2), stats.Newest);
        Assert.Equal(2, stats.Cameras);
        Assert.InRange(stats.DistinctPlates, 2, 2);
        Assert.True(stats.BytesOnDisk > 0);
    }

    [Fact]
    public async Task A_search_without_a_case_number_is_refused_and_the_refusal_is_audited()
    {
        await Store.AppendAsync([Make("NOCASE1")], Ct);

        await Assert.ThrowsAsync<AccessDeniedException>(() =>
            Service().SearchAsync(Investigator, new AccessPurpose("stolen-vehicle", ""), Around(T0), null, Ct));

        var entries = await _audit!.ReadAsync(Ct).ToListAsync(Ct);
        var last = Assert.Single(entries);
        Assert.Equal("denied", last.Record.Outcome);
        Assert.Equal("alice", last.Record.Actor);
    }

    [Fact]
    public async Task Every_search_is_audited_with_its_parameters_count_and_ids()
    {
        var read = Make("AUD1");
        await Store.AppendAsync([read], Ct);

        await Search(Around(T0) with { Plate = PlatePattern.Exact("AUD1") });

        var entry = Assert.Single(await _audit!.ReadAsync(Ct).ToListAsync(Ct));
        Assert.Equal("search.reads", entry.Record.Action);
        Assert.Equal("stolen-vehicle", entry.Record.Purpose);
        Assert.Equal("CASE-1", entry.Record.CaseNumber);
        Assert.Equal("AUD1", entry.Record.Parameters["plate"]);
        Assert.Equal(1, entry.Record.ResultCount);
        Assert.Equal([read.Id.ToString()], entry.Record.RecordIds);
    }

    [Fact]
    public async Task Reads_older_than_the_owners_retention_are_not_returned_even_before_the_purge()
    {
        var now = DateTimeOffset.UtcNow;
        await Store.AppendAsync([Make("RET1", now.AddDays(-40)), Make("RET1", now.AddDays(-5))], Ct);
        var policy = DataPolicy.DefaultFor("agency-a") with { RetentionDays = 30 };

        var page = await Service(policy).SearchAsync(Investigator, Why, Window(now.AddDays(-60), now) with { Plate = PlatePattern.Exact("RET1") }, null, Ct);

        var only = Assert.Single(page.Reads);
        Assert.True(only.CapturedAt > now.AddDays(-30));
    }

    /// <summary>Runs one analytics scan through the gate, as analyses do.</summary>
    protected Task<ImmutableArray<Sighting>> Scan(ScanFilter filter, DataPolicy? policy = null) =>
        Service(policy ?? DataPolicy.DefaultFor("agency-a") with { RetentionDays = 100_000 }).AnalyzeAsync(
            Investigator, Why,
            new AnalysisRequest { Kind = AnalysisKind.History, Plate = "SCAN", Range = filter.Range, Authorization = new AnalysisAuthorization(AuthorizationKind.Warrant, "W-1") },
            (scope, ct) => scope.ScanAsync(filter, ct),
            found => found.Select(s => s.Plate), "test", Ct);

    [Fact]
    public async Task Scan_by_plate_set_returns_those_plates_in_the_range_in_time_order()
    {
        await Store.AppendAsync([Make("SCA1", T0.AddMinutes(2)), Make("SCA2", T0.AddMinutes(1)), Make("SCA3", T0), Make("SCA1", T0.AddDays(3))], Ct);

        var found = await Scan(new ScanFilter { Range = new TimeRange(T0.AddHours(-1), T0.AddHours(1)), Plates = ["SCA1", "SCA2", "NONE"] });

        Assert.Equal(["SCA2", "SCA1"], found.Select(s => s.Plate));
        Assert.Equal("cam-1", found[0].CameraId);
        Assert.Equal(Downtown.Latitude, found[0].Location.Latitude, 0.000001);
    }

    [Fact]
    public async Task Scan_by_a_large_plate_set_finds_the_plates_in_both_layouts()
    {
        await Store.AppendAsync([Make("BIG7", T0), Make("BIG99", T0.AddDays(2))], Ct);
        await CompactAsync(Store);
        await Store.AppendAsync([Make("BIG7", T0.AddDays(9))], Ct);
        var plates = Enumerable.Range(0, 200).Select(i => "BIG" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToImmutableArray();

        var found = await Scan(new ScanFilter { Range = new TimeRange(T0.AddDays(-1), T0.AddDays(10)), Plates = plates });

        Assert.Equal(["BIG7", "BIG99", "BIG7"], found.Select(s => s.Plate));
    }

    [Fact]
    public async Task Look_alike_spellings_are_told_apart_in_both_layouts()
    {
        // Four spellings with one look-alike skeleton (S/5, O/0), in the long-term layout and in the recent one.
        await Store.AppendAsync([Make("S0W350", T0), Make("5OW350", T0.AddMinutes(1)), Make("SOW350", T0.AddMinutes(2))], Ct);
        await CompactAsync(Store);
        await Store.AppendAsync([Make("50W350", T0.AddDays(9)), Make("S0W350", T0.AddDays(9).AddMinutes(1))], Ct);
        var range = new TimeRange(T0.AddDays(-1), T0.AddDays(10));

        var found = await Scan(new ScanFilter { Range = range, Plates = ["S0W350", "5OW350", "NONE"] });
        var exact = await Search(Window(range.From, range.To) with { Plate = PlatePattern.Exact("SOW350") });
        var wildcard = await Search(Window(range.From, range.To) with { Plate = PlatePattern.Wildcard("5O*") });

        Assert.Equal(["S0W350", "5OW350", "S0W350"], found.Select(s => s.Plate));
        Assert.Equal(["SOW350"], PlatesOf(exact.Reads));
        Assert.Equal(["5OW350"], PlatesOf(wildcard.Reads));
    }

    [Fact]
    public async Task Scan_by_windows_returns_reads_inside_any_box_once()
    {
        var near = North(Downtown, 20);
        var far = North(Downtown, 2000);
        await Store.AppendAsync(
        [
            Make("WIN1", T0.AddSeconds(10), where: near),
            Make("WIN2", T0.AddSeconds(10), where: far),
            Make("WIN3", T0.AddMinutes(10), where: near),
            Make("WIN4", T0.AddSeconds(-20), where: Downtown),
        ], Ct);
        var box = Haversine.BoxAround(Downtown.Latitude, Downtown.Longitude, 100);
        ScanWindow W(int fromSec, int toSec) => new(box, T0.AddSeconds(fromSec), T0.AddSeconds(toSec));

        var found = await Scan(new ScanFilter { Range = new TimeRange(T0.AddDays(-1), T0.AddDays(1)), Windows = [W(-60, 60), W(0, 30)] });

        Assert.Equal(["WIN4", "WIN1"], found.Select(s => s.Plate));
    }

    [Fact]
    public async Task Window_scan_without_ids_finds_the_same_reads_in_both_layouts_and_after_late_reads()
    {
        var near = North(Downtown, 20);
        var far = North(Downtown, 2000);
        await Store.AppendAsync(
        [
            Make("OLD1", T0.AddSeconds(10), where: near),
            Make("OLD2", T0.AddSeconds(10), where: far),
            Make("OLD3", T0.AddMinutes(10), where: near),
            Make("OTHER", T0, agency: "agency-z", where: near),
            Make("FAINT", T0.AddSeconds(5), where: near, confidence: 0.3f),
        ], Ct);
        await CompactAsync(Store);
        var later = T0.AddDays(9);
        await Store.AppendAsync([Make("NEW1", later, where: Downtown), Make("NEW2", later.AddMinutes(5), where: Downtown)], Ct);
        var box = Haversine.BoxAround(Downtown.Latitude, Downtown.Longitude, 100);
        var filter = new ScanFilter
        {
            Range = new TimeRange(T0.AddDays(-1), T0.AddDays(10)),
            Windows = [new(box, T0.AddSeconds(-60), T0.AddSeconds(60)), new(box, T0, T0.AddSeconds(30)), new(box, later.AddSeconds(-1), later.AddSeconds(1))],
            MinConfidence = 0.5f,
        };
        static object Key(Sighting s) => (s.Plate, s.At, s.CameraId, s.Location, s.Confidence);

        var withIds = await Scan(filter);
        var without = await Scan(filter with { IdsNeeded = false });
        // A late read for the long-term layout, then compaction again.
        await Store.AppendAsync([Make("LATE1", T0.AddSeconds(20), where: near)], Ct);
        await CompactAsync(Store);
        var afterLate = await Scan(filter with { IdsNeeded = false });

        Assert.Equal(["OLD1", "NEW1"], withIds.Select(s => s.Plate));
        Assert.Equal(withIds.Select(Key), without.Select(Key));
        Assert.Equal(["OLD1", "LATE1", "NEW1"], afterLate.Select(s => s.Plate));
    }

    [Fact]
    public async Task Short_area_scan_without_ids_finds_the_same_reads_in_both_layouts()
    {
        await Store.AppendAsync(
        [
            Make("AREA1", T0, where: North(Downtown, 50)),
            Make("AREA2", T0.AddMinutes(30), where: North(Downtown, 400)),
            Make("AREA3", T0.AddHours(3), where: Downtown),
        ], Ct);
        await CompactAsync(Store);
        await Store.AppendAsync([Make("AREA4", T0.AddMinutes(40), where: Downtown, camera: "cam-2")], Ct);
        var filter = new ScanFilter { Range = new TimeRange(T0.AddMinutes(-5), T0.AddHours(1)), Area = new RadiusArea(Downtown, 200) };
        static object Key(Sighting s) => (s.Plate, s.At, s.CameraId, s.Location, s.Confidence);

        var withIds = await Scan(filter);
        var without = await Scan(filter with { IdsNeeded = false });

        Assert.Equal(["AREA1", "AREA4"], withIds.Select(s => s.Plate));
        Assert.Equal(withIds.Select(Key), without.Select(Key));
    }

    [Fact]
    public async Task Wide_area_scan_without_ids_finds_the_same_reads_in_both_layouts()
    {
        await Store.AppendAsync([Make("WIDE1", T0, where: North(Downtown, 15_000)), Make("WIDE2", T0.AddHours(5), where: North(Downtown, 40_000))], Ct);
        await CompactAsync(Store);
        await Store.AppendAsync([Make("WIDE3", T0.AddHours(2), where: Downtown)], Ct);
        var filter = new ScanFilter { Range = new TimeRange(T0.AddHours(-1), T0.AddHours(20)), Area = new RadiusArea(Downtown, 20_000) };

        var withIds = await Scan(filter);
        var without = await Scan(filter with { IdsNeeded = false });

        Assert.Equal(["WIDE1", "WIDE3"], withIds.Select(s => s.Plate));
        Assert.Equal(withIds.Select(s => (s.Plate, s.At)), without.Select(s => (s.Plate, s.At)));
    }

    [Fact]
    public async Task Purged_reads_are_gone_from_window_scans_in_both_layouts()
    {
        var monday = new DateTimeOffset(2026, 3, 9, 0, 0, 0, TimeSpan.Zero);
        await Store.AppendAsync([Make("GONE1", monday.AddHours(10), where: Downtown), Make("KEPT1", monday.AddDays(3).AddHours(10), where: Downtown)], Ct);
        await CompactAsync(Store);
        await Store.AppendAsync([Make("KEPT2", monday.AddDays(9), where: Downtown)], Ct);
        var box = Haversine.BoxAround(Downtown.Latitude, Downtown.Longitude, 50);
        var filter = new ScanFilter
        {
            Range = new TimeRange(monday, monday.AddDays(10)),
            Windows = [new(box, monday.AddHours(9), monday.AddHours(11)), new(box, monday.AddDays(3).AddHours(9), monday.AddDays(3).AddHours(11)), new(box, monday.AddDays(9).AddHours(-1), monday.AddDays(9).AddHours(1))],
            IdsNeeded = false,
        };

        // A cut in the middle of the sealed week: its rows go, and so must their copies anywhere.
        await Store.PurgeOlderThanAsync(monday.AddDays(2), Ct);
        var afterPurge = await Scan(filter);
        await Store.DisposeAsync();
        Store = await OpenAsync(Directory);
        var afterReopen = await Scan(filter);

        Assert.Equal(["KEPT1", "KEPT2"], afterPurge.Select(s => s.Plate));
        Assert.Equal(["KEPT1", "KEPT2"], afterReopen.Select(s => s.Plate));
    }

    [Fact]
    public async Task Scan_by_radius_is_exact_and_other_agencies_stay_invisible()
    {
        await Store.AppendAsync(
        [
            Make("RAD1", T0, where: North(Downtown, 100)),
            Make("RAD2", T0, where: East(North(Downtown, 190), 190)),
            Make("RAD3", T0, where: Downtown, agency: "agency-b"),
        ], Ct);

        var found = await Scan(new ScanFilter { Range = new TimeRange(T0.AddDays(-1), T0.AddDays(1)), Area = new RadiusArea(Downtown, 200) });

        Assert.Equal(["RAD1"], found.Select(s => s.Plate));
    }

    [Fact]
    public async Task A_scan_beyond_the_policy_bound_is_refused_and_audited()
    {
        await Store.AppendAsync([.. Enumerable.Range(0, 5).Select(i => Make("MANY", T0.AddSeconds(i)))], Ct);
        var policy = DataPolicy.DefaultFor("agency-a") with { RetentionDays = 100_000, Analytics = new AnalyticsPolicy { MaxScanReads = 3 } };

        await Assert.ThrowsAsync<AnalysisTooLargeException>(() => Scan(new ScanFilter { Range = new TimeRange(T0.AddDays(-1), T0.AddDays(1)) }, policy));

        var entry = Assert.Single(await _audit!.ReadAsync(Ct).ToListAsync(Ct));
        Assert.Equal("analytics.history", entry.Record.Action);
        Assert.Equal("denied", entry.Record.Outcome);
    }
}
