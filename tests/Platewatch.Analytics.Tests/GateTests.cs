using System.Collections.Immutable;
using Platewatch.Audit;
using Platewatch.Geo;
using Platewatch.Query;
using Platewatch.Reads;
using Platewatch.Storage;
using Platewatch.Storage.DuckDb;
using static Platewatch.Analytics.Tests.Given;

namespace Platewatch.Analytics.Tests;

/// <summary>The analytics gate over a real embedded store and audit log: refusals, bounds and what the audit records.</summary>
public sealed class GateTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pw-analytics-" + Guid.NewGuid().ToString("N"));
    private DuckDbReadStore _store = null!;
    private FileAuditLog _audit = null!;
    private static readonly DateTimeOffset Now = Monday.AddDays(20);
    private static readonly TimeRange Fortnight = new(Monday, Monday.AddDays(14));
    private static readonly Principal Alice = new("alice", "demo-pd", "investigator");
    private static readonly AccessPurpose Why = new("robbery", "24-77");
    private static readonly AnalysisAuthorization Warrant = new(AuthorizationKind.Warrant, "W-1");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _store = DuckDbReadStore.Open(Path.Combine(_dir, "store"), new DuckDbStoreOptions { Threads = 2, MemoryLimit = "1GB", Time = new FixedTime(Now) });
        _audit = new FileAuditLog(Path.Combine(_dir, "audit"));
        var reads = new List<PlateRead>();
        for (int d = 0; d < 10; d++)
        {
            reads.Add(Read("TGT1", Day(d, 23), Home, "patrol-1"));
            reads.Add(Read("PAL1", Day(d, 23).AddSeconds(4), East(Home, 10), "patrol-1"));
            reads.Add(Read("TGT1", Day(d, 12), Work, "patrol-2"));
        }
        reads.Add(Read("CLN1", Day(1, 8), Home, "pole-1"));
        reads.Add(Read("CLN1", Day(1, 8).AddMinutes(1), Elsewhere, "pole-9"));
        await _store.AppendAsync(reads, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        _audit.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class Approvals(params AnalysisApproval[] approvals) : IAnalysisApprovals
    {
        public Task<AnalysisApproval?> FindAsync(string id, CancellationToken cancellationToken) =>
            Task.FromResult(approvals.FirstOrDefault(a => a.Id == id));
    }

    private InvestigativeAnalytics Analytics(DataPolicy? policy = null, IAnalysisApprovals? approvals = null) =>
        new(new ReadQueryService(_store, _audit, [policy ?? DataPolicy.DefaultFor("demo-pd")], new FixedTime(Now), approvals));

    private static AnalysisCaller Caller(AnalysisAuthorization? auth = null, AccessPurpose? why = null) => new(Alice, why ?? Why, auth, "test");

    private static VehicleQuery Q(string plate, TimeRange? range = null) => new() { Plate = plate, Range = range ?? Fortnight };

    private async Task<AuditEntry> LastAudit() => (await _audit.ReadAsync(Ct).ToListAsync(Ct))[^1];

    [Fact]
    public async Task History_needs_only_purpose_and_case_and_is_audited_with_the_plate()
    {
        var h = await Analytics().HistoryAsync(Caller(), Q("TGT1"), Ct);

        Assert.Equal(20, h.Reads.Length);
        var e = await LastAudit();
        Assert.Equal("analytics.history", e.Record.Action);
        Assert.Equal("ok", e.Record.Outcome);
        Assert.Equal("robbery", e.Record.Purpose);
        Assert.Equal("24-77", e.Record.CaseNumber);
        Assert.Equal("TGT1", e.Record.Parameters["plate"]);
        Assert.Equal(Fortnight.From.ToString("O", System.Globalization.CultureInfo.InvariantCulture), e.Record.Parameters["from"]);
        Assert.Equal(["plate:TGT1"], e.Record.RecordIds);
    }

    [Theory]
    [InlineData("", "24-77", "a purpose is required")]
    [InlineData("robbery", "", "a case number is required")]
    [InlineData("immigration", "24-77", "not on the agency's list")]
    public async Task Missing_or_unlawful_purpose_or_case_is_refused_and_audited(string purpose, string caseNumber, string message)
    {
        var ex = await Assert.ThrowsAsync<AccessDeniedException>(() => Analytics().HistoryAsync(Caller(why: new AccessPurpose(purpose, caseNumber)), Q("TGT1"), Ct));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        var e = await LastAudit();
        Assert.Equal("denied", e.Record.Outcome);
        Assert.Empty(e.Record.RecordIds);
    }

    [Fact]
    public async Task Intrusive_analyses_need_an_authorisation_reference()
    {
        var a = Analytics();
        foreach (var run in new Func<Task>[]
        {
            () => a.PlacesAsync(Caller(), Q("TGT1"), null, Ct),
            () => a.RoutesAsync(Caller(), Q("TGT1"), null, Ct),
            () => a.AssociatesAsync(Caller(), Q("TGT1"), null, Ct),
            () => a.ConvoyAsync(Caller(), Q("TGT1"), null, Ct),
            () => a.StakeoutAsync(Caller(), new StakeoutOptions { Areas = [new AreaWindow(new RadiusArea(Home, 100), Fortnight)] }, Ct),
        })
        {
            var ex = await Assert.ThrowsAsync<AccessDeniedException>(run);
            Assert.Contains("needs an authorisation reference", ex.Message, StringComparison.Ordinal);
        }
        Assert.Equal(5, (await _audit.ReadAsync(Ct).ToListAsync(Ct)).Count(e => e.Record.Outcome == "denied"));

        var places = await a.PlacesAsync(Caller(Warrant), Q("TGT1"), null, Ct);
        Assert.Equal(2, places.Places.Length);
        Assert.Equal("warrant:W-1", (await LastAudit()).Record.Parameters["authorization"]);
    }

    [Fact]
    public async Task The_policy_decides_which_analyses_need_authorisation()
    {
        var policy = DataPolicy.DefaultFor("demo-pd") with { Analytics = new AnalyticsPolicy { NeedAuthorization = [AnalysisKind.History] } };

        await Assert.ThrowsAsync<AccessDeniedException>(() => Analytics(policy).HistoryAsync(Caller(), Q("TGT1"), Ct));
        var places = await Analytics(policy).PlacesAsync(Caller(), Q("TGT1"), null, Ct);

        Assert.NotEmpty(places.Places);
    }

    [Fact]
    public async Task A_supervisor_approval_must_be_recorded_for_the_agency_case_and_analysis_and_not_expired()
    {
        var approvals = new Approvals(
            new AnalysisApproval("ap-1", "demo-pd", "sam", "24-77", ApprovalTier.Standard, Now.AddDays(1), [AnalysisKind.Associates]),
            new AnalysisApproval("ap-old", "demo-pd", "sam", "24-77", ApprovalTier.Standard, Now.AddDays(-1), []),
            new AnalysisApproval("ap-other", "demo-pd", "sam", "24-99", ApprovalTier.Standard, Now.AddDays(1), []));
        var a = Analytics(approvals: approvals);
        AnalysisAuthorization Ap(string id) => new(AuthorizationKind.SupervisorApproval, id);

        var ok = await a.AssociatesAsync(Caller(Ap("ap-1")), Q("TGT1"), null, Ct);

        Assert.Equal("PAL1", Assert.Single(ok.Associates).Plate);
        Assert.Equal(["plate:TGT1", "plate:PAL1"], (await LastAudit()).Record.RecordIds);
        foreach (var (id, why) in new[] { ("ap-1", "does not cover"), ("ap-old", "expired"), ("ap-other", "was given for case"), ("nope", "is not recorded") })
        {
            var ex = await Assert.ThrowsAsync<AccessDeniedException>(() => id == "ap-1" ? a.ConvoyAsync(Caller(Ap(id)), Q("TGT1"), null, Ct) : a.AssociatesAsync(Caller(Ap(id)), Q("TGT1"), null, Ct));
            Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        }
        var cli = await Assert.ThrowsAsync<AccessDeniedException>(() => Analytics().AssociatesAsync(Caller(Ap("ap-1")), Q("TGT1"), null, Ct));
        Assert.Contains("recorded only on the server", cli.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_window_beyond_90_days_or_older_reads_need_the_senior_tier()
    {
        var approvals = new Approvals(
            new AnalysisApproval("std", "demo-pd", "sam", "24-77", ApprovalTier.Standard, Now.AddDays(1), []),
            new AnalysisApproval("senior", "demo-pd", "sam", "24-77", ApprovalTier.Senior, Now.AddDays(1), []));
        var a = Analytics(approvals: approvals);
        var long100 = new TimeRange(Now.AddDays(-100), Now);
        var old = new TimeRange(Now.AddDays(-200), Now.AddDays(-150));

        var tooLong = await Assert.ThrowsAsync<AccessDeniedException>(() => a.HistoryAsync(Caller(), Q("TGT1", long100), Ct));
        var tooOld = await Assert.ThrowsAsync<AccessDeniedException>(() => a.PlacesAsync(Caller(new(AuthorizationKind.SupervisorApproval, "std")), Q("TGT1", old), null, Ct));
        var tooLongEvenSenior = await Assert.ThrowsAsync<AccessDeniedException>(() => a.HistoryAsync(Caller(Warrant), Q("TGT1", new TimeRange(Now.AddDays(-400), Now)), Ct));

        Assert.Contains("senior approval", tooLong.Message, StringComparison.Ordinal);
        Assert.Contains("senior approval", tooOld.Message, StringComparison.Ordinal);
        Assert.Contains("longer than the 366 days", tooLongEvenSenior.Message, StringComparison.Ordinal);
        Assert.Equal(20, (await a.HistoryAsync(Caller(new(AuthorizationKind.SupervisorApproval, "senior")), Q("TGT1", long100), Ct)).Reads.Length);
        Assert.Equal(20, (await a.HistoryAsync(Caller(Warrant), Q("TGT1", long100), Ct)).Reads.Length);
    }

    [Fact]
    public async Task K_and_m_out_of_range_and_a_bad_polygon_are_clear_errors_and_audited_as_rejected()
    {
        var a = Analytics();
        var area = new AreaWindow(new RadiusArea(Home, 100), Fortnight);
        var bowtie = new PolygonArea([new GeoPoint(47.60, -122.33), new GeoPoint(47.61, -122.32), new GeoPoint(47.60, -122.32), new GeoPoint(47.61, -122.33)]);
        var flat = new PolygonArea([new GeoPoint(47.60, -122.33), new GeoPoint(47.61, -122.33), new GeoPoint(47.62, -122.33)]);

        var k = await Assert.ThrowsAsync<ArgumentException>(() => a.ConvoyAsync(Caller(Warrant), Q("TGT1"), new ConvoyOptions { MinCameras = 1 }, Ct));
        var k21 = await Assert.ThrowsAsync<ArgumentException>(() => a.ConvoyAsync(Caller(Warrant), Q("TGT1"), new ConvoyOptions { MinCameras = 21 }, Ct));
        var m = await Assert.ThrowsAsync<ArgumentException>(() => a.StakeoutAsync(Caller(Warrant), new StakeoutOptions { Areas = [area, area], MinAreas = 3 }, Ct));
        var self = await Assert.ThrowsAsync<ArgumentException>(() => a.StakeoutAsync(Caller(Warrant), new StakeoutOptions { Areas = [area with { Area = bowtie }] }, Ct));
        var degenerate = await Assert.ThrowsAsync<ArgumentException>(() => a.StakeoutAsync(Caller(Warrant), new StakeoutOptions { Areas = [area with { Area = flat }] }, Ct));
        var tooMany = await Assert.ThrowsAsync<ArgumentException>(() => a.StakeoutAsync(Caller(Warrant), new StakeoutOptions { Areas = [.. Enumerable.Repeat(area, 11)] }, Ct));

        Assert.Contains("k (distinct cameras", k.Message, StringComparison.Ordinal);
        Assert.Contains("got 21", k21.Message, StringComparison.Ordinal);
        Assert.Contains("m (the areas", m.Message, StringComparison.Ordinal);
        Assert.Contains("intersects itself", self.Message, StringComparison.Ordinal);
        Assert.Contains("degenerate", degenerate.Message, StringComparison.Ordinal);
        Assert.Contains("at most 10 areas", tooMany.Message, StringComparison.Ordinal);
        Assert.Equal(6, (await _audit.ReadAsync(Ct).ToListAsync(Ct)).Count(e => e.Record.Outcome == "rejected"));
    }

    [Fact]
    public async Task An_unknown_plate_is_an_honest_empty_answer_that_is_still_audited()
    {
        var a = Analytics();

        var h = await a.HistoryAsync(Caller(), Q("NOSUCH1"), Ct);
        var assoc = await a.AssociatesAsync(Caller(Warrant), Q("NOSUCH1"), null, Ct);
        var convoy = await a.ConvoyAsync(Caller(Warrant), Q("NOSUCH1"), null, Ct);

        Assert.Empty(h.Reads);
        Assert.Empty(assoc.Associates);
        Assert.Empty(convoy.Members);
        var entries = await _audit.ReadAsync(Ct).ToListAsync(Ct);
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Equal("ok", e.Record.Outcome));
        Assert.All(entries, e => Assert.Equal(0, e.Record.ResultCount));
        Assert.All(entries, e => Assert.Equal("NOSUCH1", e.Record.Parameters["plate"]));
    }

    [Fact]
    public async Task Stakeout_and_cloned_sweep_run_through_the_store_and_audit_every_plate_returned()
    {
        var a = Analytics();
        var homeNights = new AreaWindow(new RadiusArea(Home, 100), new TimeRange(Day(0, 20), Day(3, 0)));
        var work = new AreaWindow(new RadiusArea(Work, 100), new TimeRange(Day(0, 0), Day(3, 0)));

        var both = await a.StakeoutAsync(Caller(Warrant), new StakeoutOptions { Areas = [homeNights, work] }, Ct);
        var either = await a.StakeoutAsync(Caller(Warrant), new StakeoutOptions { Areas = [homeNights, work], MinAreas = 1 }, Ct);
        Assert.Equal(["TGT1"], both.Plates.Select(p => p.Plate));
        Assert.Equal(["CLN1", "PAL1", "TGT1"], either.Plates.Select(p => p.Plate).Order(StringComparer.Ordinal));
        Assert.Equal(3, (await LastAudit()).Record.ResultCount);

        var sweep = await a.ClonedAsync(Caller(), new ClonedOptions { Range = new TimeRange(Day(1, 0), Day(2, 0)) }, Ct);
        Assert.Equal("CLN1", Assert.Single(sweep.Plates).Plate);
        var e = await LastAudit();
        Assert.Equal("analytics.cloned", e.Record.Action);
        Assert.Equal("sweep", e.Record.Parameters["scope"]);
        Assert.Equal(["plate:CLN1"], e.Record.RecordIds);
        await Assert.ThrowsAsync<ArgumentException>(() => a.ClonedAsync(Caller(), new ClonedOptions { Range = Fortnight }, Ct));
    }
}
