using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platewatch.Alerts.Hotlists;
using Platewatch.Alerts.Matching;
using Platewatch.Audit;
using Platewatch.Formats;
using Platewatch.Geo;
using Platewatch.Plates;
using Platewatch.Query;
using Platewatch.Reads;

namespace Platewatch.Server.Alerts;

/// <summary>
/// Turns stored reads into alerts: matches them against the current index, keeps hits on the reading agency's own
/// lists, writes each alert with one delivery per matching subscription (the outbox), then wakes the dispatcher
/// and the live feed. Called once per batch after the durable commit, for newly stored reads only.
/// </summary>
internal sealed class AlertEngine(HotlistService hotlists, AlertStore store, AlertDispatcher dispatcher, LiveFeed feed,
    IOptions<AlertOptions> options, TimeProvider time, IAuditLog audit, ILogger<AlertEngine> log)
{
    private const int MaxHitsPerRead = 32;

    private readonly record struct Found(PlateRead Read, HotlistEntry Entry, Hotlist List, HotlistHit Hit);

    public async Task OnStoredAsync(IReadOnlyList<PlateRead> reads, CancellationToken cancellationToken)
    {
        var found = Match(hotlists.Current, reads, time.GetUtcNow(), options.Value.MinScore);
        if (found.Count == 0) return;
        await RaiseAsync(found, historical: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Allocates only when something matched: most reads match nothing.</summary>
    private static List<Found> Match(HotlistIndex index, IReadOnlyList<PlateRead> reads, DateTimeOffset now, float minScore)
    {
        var found = new List<Found>(0);
        if (index.Count == 0) return found;
        Span<HotlistHit> hits = stackalloc HotlistHit[MaxHitsPerRead];
        foreach (var read in reads)
        {
            int n = index.Match(read, now, hits);
            for (int i = 0; i < n; i++)
            {
                var list = index.ListOf(hits[i].EntryIndex);
                // An agency's lists watch its own cameras; sharing hits between agencies is a policy not built yet.
                if (!string.Equals(list.AgencyId, read.AgencyId, StringComparison.Ordinal) || hits[i].Score < minScore) continue;
                found.Add(new Found(read, index.Entries[hits[i].EntryIndex], list, hits[i]));
            }
        }
        return found;
    }

    private async Task<List<(long Sequence, AlertContent Alert)>> RaiseAsync(List<Found> found, bool historical, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var subscriptionsByAgency = new Dictionary<string, List<Subscription>>(StringComparer.Ordinal);
        var batch = new List<(AlertContent, string, IReadOnlyList<Subscription>)>();
        foreach (var f in found)
        {
            if (!subscriptionsByAgency.TryGetValue(f.List.AgencyId, out var subs))
                subscriptionsByAgency[f.List.AgencyId] = subs = await store.SubscriptionsAsync(f.List.AgencyId, null, cancellationToken).ConfigureAwait(false);
            var registrations = await store.RegistrationsAsync(f.Entry.Plate, f.Entry.Region.Length > 0 ? f.Entry.Region : null, cancellationToken).ConfigureAwait(false);
            var alert = Build(f, registrations.FirstOrDefault(), historical, now);
            var to = historical ? [] : subs.Where(s => Wants(s, alert, f.Read)).ToList();
            batch.Add((alert, f.List.AgencyId, to));
        }
        // The reads are already stored: a resend would be a duplicate and never matched again, so a failed outbox
        // write is retried here (the insert is idempotent) before the request fails.
        List<(long Sequence, AlertContent Alert)> added;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                added = await store.AddAlertsAsync(batch, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex) when (attempt < 4)
            {
                log.LogError(ex, "Writing {Count} alerts to the outbox failed (attempt {Attempt}); retrying", batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
        foreach (var (seq, alert) in added)
        {
            feed.Publish(alert.Read.AgencyId ?? "", new FeedEvent(seq, historical ? "back-search" : "alert", alert));
            AlertMetrics.Raised.Add(1);
            if (log.IsEnabled(LogLevel.Information)) log.LogInformation("Alert {Alert}: {Kind} hit on list {List}", alert.Id, alert.Match.Kind, alert.Entry.HotlistId);
        }
        if (!historical) dispatcher.Wake();
        return added;
    }

    private AlertContent Build(Found f, RegistrationRecord? registration, bool historical, DateTimeOffset now)
    {
        var e = f.Entry;
        var hit = f.Hit;
        string matched = hit.CandidateRank == 0 ? f.Read.Plate : f.Read.Candidates[hit.CandidateRank - 1].Plate;
        var warnings = ImmutableArray.CreateBuilder<string>();
        if (hit.Stale) warnings.Add($"List stale, recheck before acting: '{f.List.Name}' was last refreshed {f.List.RefreshedAt:O}.");
        if (hit.OtherRegion) warnings.Add($"Other state: read in {f.Read.Region}, listed in {e.Region}. A weaker match: check the plate's state.");
        if (hit.Kind != MatchKind.Exact) warnings.Add($"Misread-tolerant match ({Kind(hit.Kind)}): '{matched}' read, '{e.Plate}' listed. Compare the plate image with the listed plate.");
        if (hit.CandidateRank > 0) warnings.Add($"Matched the recognizer's alternative '{matched}', not its best reading '{f.Read.Plate}'.");
        if (e.ExpiresAt is { } exp && exp - now < TimeSpan.FromDays(1)) warnings.Add($"The entry expires {exp:O}.");
        warnings.AddRange(VehicleCheck.Warnings(f.Read.Vehicle, e.Vehicle is null ? null : new VehicleView(e.Vehicle.Make, e.Vehicle.Model, e.Vehicle.Colour, e.Vehicle.Type), "the hotlist entry"));
        if (registration is not null)
            warnings.AddRange(VehicleCheck.Warnings(f.Read.Vehicle, new VehicleView(registration.Make, registration.Model, registration.Colour, registration.Body, registration.Year), "the registration record"));
        string id = Guid.CreateVersion7(now).ToString();
        string baseUrl = options.Value.PublicBaseUrl.TrimEnd('/');
        string gate = $"purpose={Uri.EscapeDataString(PurposeFor(e.Category))}&caseNumber={Uri.EscapeDataString(e.CaseNumber)}";
        return new AlertContent
        {
            Id = id,
            CreatedAt = now,
            Read = ReadMapping.ToDto(f.Read),
            Entry = new AlertEntry(e.Id, e.HotlistId, f.List.Name, f.List.Source, e.Plate, e.Region, e.Category, e.Reason, e.CaseNumber, e.Priority, e.ExpiresAt,
                e.Vehicle is null ? null : new VehicleView(e.Vehicle.Make, e.Vehicle.Model, e.Vehicle.Colour, e.Vehicle.Type)),
            Match = new AlertMatch(Kind(hit.Kind), hit.Score, matched, hit.CandidateRank, hit.OtherRegion),
            Stale = hit.Stale,
            Historical = historical,
            Warnings = warnings.ToImmutable(),
            // Images are shown only through the gate: the links carry the entry's purpose and case, and are audited when opened.
            PlateCropUrl = f.Read.Images?.PlateCrop is null ? null : $"{baseUrl}/api/v1/reads/{f.Read.Id}/images/plate?{gate}",
            ContextImageUrl = f.Read.Images?.Context is null ? null : $"{baseUrl}/api/v1/reads/{f.Read.Id}/images/context?{gate}",
            Link = $"{baseUrl}/api/v1/alerts/{id}",
        };
    }

    /// <summary>The search purpose a category implies (the five national ones are purposes of their own).</summary>
    public static string PurposeFor(string category) => category switch
    {
        HotlistCategories.StolenVehicle or HotlistCategories.StolenPlate or HotlistCategories.WantedPerson or HotlistCategories.MissingPerson or HotlistCategories.ProtectionOrder => category,
        _ => "other-felony",
    };

    public static string Kind(MatchKind k) => k switch { MatchKind.Exact => "exact", MatchKind.LookAlike => "look-alike", _ => "edit" };

    internal static bool Wants(Subscription s, AlertContent a, PlateRead read)
    {
        if (s.HotlistId is not null && s.HotlistId != a.Entry.HotlistId) return false;
        if (s.Category is not null && s.Category != a.Entry.Category) return false;
        if (s.MinPriority is { } p && a.Entry.Priority < p) return false;
        if (s.CameraId is not null && s.CameraId != read.CameraId) return false;
        if (s.Area is not null && !Area.Parse(s.Area).Contains(read.Location.Latitude, read.Location.Longitude)) return false;
        return true;
    }

    /// <summary>
    /// Back-search for a new entry: past sightings over the window, through the audited query service, under the
    /// entry's case and the purpose its category implies; each becomes a historical alert (no channel delivery)
    /// for the entry's owner.
    /// </summary>
    public async Task<IReadOnlyList<string>> BackSearchAsync(Principal who, Hotlist list, HotlistEntry entry, ReadQueryService queries, string? source, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        string purpose = PurposeFor(entry.Category);
        var page = await queries.SearchAsync(who, new AccessPurpose(purpose, entry.CaseNumber, $"hotlist back-search: {entry.Reason}"), new ReadQuery
        {
            Range = new TimeRange(now - TimeSpan.FromDays(Math.Clamp(options.Value.BackSearchDays, 1, 366)), now),
            Plate = PlatePattern.Fuzzy(entry.Plate, 1),
            Limit = 1000,
        }, source, cancellationToken).ConfigureAwait(false);
        // Only this entry decides what counts as a hit: the same rules as live matching.
        var single = HotlistIndex.Build([list], [entry], CategorySwitches.AllOn, now);
        var found = Match(single, page.Reads, now, options.Value.MinScore);
        if (found.Count == 0) return [];
        var added = await RaiseAsync(found, historical: true, cancellationToken).ConfigureAwait(false);
        return [.. added.Select(a => a.Alert.Id)];
    }

    /// <summary>
    /// Back-search for the entries an import added (not the ones it kept): each one as <see cref="BackSearchAsync"/>,
    /// highest priority first, at most <see cref="AlertOptions.BackSearchMaxPerImport"/>; expired entries are skipped.
    /// A refusal by the gate stops only that entry's search. The run itself is audited with its counts.
    /// </summary>
    public async Task<ImportBackSearch> BackSearchImportAsync(Principal who, Hotlist list, IReadOnlyList<HotlistEntry> added, ReadQueryService queries, string? source,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        int cap = Math.Max(0, options.Value.BackSearchMaxPerImport);
        var due = added.Where(e => !e.IsExpired(now)).OrderByDescending(e => e.Priority).ThenBy(e => e.Id).ToList();
        var alerts = new List<string>();
        int searched = 0, refused = 0;
        string? firstRefusal = null;
        foreach (var entry in due.Take(cap))
        {
            try
            {
                alerts.AddRange(await BackSearchAsync(who, list, entry, queries, source, cancellationToken).ConfigureAwait(false));
                searched++;
            }
            catch (AccessDeniedException ex)
            {
                refused++;
                firstRefusal ??= ex.Message;
            }
        }
        var result = new ImportBackSearch(added.Count, searched, Math.Max(0, due.Count - cap), refused, alerts.Count, [.. alerts.Take(1000)], firstRefusal);
        if (added.Count > 0)
        {
            await audit.AppendAsync(new AuditRecord
            {
                Actor = who.UserId,
                AgencyId = who.AgencyId,
                Role = who.Role,
                Action = "hotlist.import.backsearch",
                Source = source,
                Detail = result.NotSearched > 0 ? $"{result.NotSearched} new entries not back-searched (at most {cap} an import)" : null,
                Parameters = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
                {
                    ["hotlist"] = list.Id,
                    ["new"] = added.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["searched"] = searched.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["notSearched"] = result.NotSearched.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["refused"] = refused.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["hits"] = alerts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                }),
            }, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }
}

/// <summary>
/// What an import's back-search did: of <see cref="NewEntries"/>, how many were searched, left out by the per-import
/// cap (expired ones are neither), refused by the gate, and the historical alerts raised (ids: the first 1,000).
/// </summary>
internal sealed record ImportBackSearch(int NewEntries, int Searched, int NotSearched, int Refused, int Hits, IReadOnlyList<string> AlertIds, string? FirstRefusal);

/// <summary>Compares what the camera saw of the vehicle with what a record says it should be.</summary>
internal static class VehicleCheck
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        ["MC"] = "motorcycle", ["motorbike"] = "motorcycle", ["SU"] = "suv", ["UT"] = "suv", ["PK"] = "pickup", ["truck"] = "pickup", ["VN"] = "van", ["minivan"] = "van",
        ["2D"] = "car", ["4D"] = "car", ["sedan"] = "car", ["coupe"] = "car", ["hatchback"] = "car", ["SW"] = "car", ["wagon"] = "car", ["CV"] = "car", ["BU"] = "bus", ["TR"] = "trailer",
    };

    private static readonly Dictionary<string, string> Colours = new(StringComparer.OrdinalIgnoreCase)
    {
        ["BLK"] = "black", ["WHI"] = "white", ["RED"] = "red", ["BLU"] = "blue", ["GRY"] = "grey", ["gray"] = "grey", ["SIL"] = "silver", ["GRN"] = "green",
        ["YEL"] = "yellow", ["BRO"] = "brown", ["TAN"] = "tan", ["ONG"] = "orange", ["GLD"] = "gold", ["MAR"] = "maroon", ["PLE"] = "purple", ["BGE"] = "beige",
    };

    private static readonly Dictionary<string, string> Makes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["TOYT"] = "toyota", ["HOND"] = "honda", ["CHEV"] = "chevrolet", ["NISS"] = "nissan", ["VOLK"] = "volkswagen", ["VW"] = "volkswagen", ["MERZ"] = "mercedes-benz",
        ["mercedes"] = "mercedes-benz", ["HYUN"] = "hyundai", ["SUBA"] = "subaru", ["DODG"] = "dodge", ["JEEP"] = "jeep", ["BMW"] = "bmw", ["KIA"] = "kia", ["MAZD"] = "mazda",
        ["TESL"] = "tesla", ["HD"] = "harley-davidson", ["HARL"] = "harley-davidson", ["YAMA"] = "yamaha", ["KAWK"] = "kawasaki", ["SUZI"] = "suzuki",
    };

    private static string Norm(string s, Dictionary<string, string> map)
    {
        s = s.Trim();
        return map.TryGetValue(s, out var v) ? v : s.ToLowerInvariant();
    }

    public static IEnumerable<string> Warnings(VehicleAttributes? seen, VehicleView? record, string what)
    {
        if (seen is null || record is null) yield break;
        if (seen.Type is { } t && record.Type is { } rt && Norm(t, Types) != Norm(rt, Types))
            yield return $"Vehicle mismatch: a {Norm(t, Types)} was read; {what} says {Norm(rt, Types)}.";
        if (seen.Colour is { } c && record.Colour is { } rc && Norm(c, Colours) != Norm(rc, Colours))
            yield return $"Colour mismatch: {Norm(c, Colours)} was read; {what} says {Norm(rc, Colours)}.";
        if (seen.Make is { } m && record.Make is { } rm && Norm(m, Makes) != Norm(rm, Makes))
            yield return $"Make mismatch: {Norm(m, Makes)} was read; {what} says {Norm(rm, Makes)}.";
    }
}
