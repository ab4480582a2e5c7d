using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Platewatch.Alerts.Hotlists;
using Platewatch.Alerts.Matching;
using Platewatch.Audit;
using Platewatch.Query;

namespace Platewatch.Server.Alerts;

/// <summary>
/// Owns the hotlists: every change goes through here, is audited, and swaps in a freshly built
/// <see cref="HotlistIndex"/>. Readers take <see cref="Current"/> once per batch and keep it, so a rebuild never
/// shows them a half-changed list.
/// </summary>
internal sealed class HotlistService(AlertStore store, IAuditLog audit, TimeProvider time, ILogger<HotlistService> log) : IDisposable
{
    private HotlistIndex _index = HotlistIndex.Empty;
    private readonly SemaphoreSlim _rebuild = new(1, 1);

    public HotlistIndex Current => Volatile.Read(ref _index);

    public AlertStore Store => store;

    public async Task RebuildAsync(CancellationToken cancellationToken)
    {
        await _rebuild.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var lists = await store.ListHotlistsAsync(null, cancellationToken).ConfigureAwait(false);
            var off = await store.CategoriesOffAsync(cancellationToken).ConfigureAwait(false);
            var entries = new List<HotlistEntry>();
            await foreach (var e in store.AllEntriesAsync(cancellationToken).ConfigureAwait(false)) entries.Add(e);
            var index = HotlistIndex.Build(lists, entries, new CategorySwitches(off), time.GetUtcNow());
            Volatile.Write(ref _index, index);
            if (log.IsEnabled(LogLevel.Information)) log.LogInformation("Hotlist index rebuilt: {Entries} active entries on {Lists} lists", index.Count, lists.Count);
        }
        finally
        {
            _rebuild.Release();
        }
    }

    public void Dispose() => _rebuild.Dispose();

    public async Task<CategorySwitches> SwitchesAsync(CancellationToken cancellationToken) =>
        new(await store.CategoriesOffAsync(cancellationToken).ConfigureAwait(false));

    private Task<AuditEntry> AuditAsync(Principal who, string action, string? source, string? caseNumber, string? detail, CancellationToken cancellationToken, params (string Key, string? Value)[] parameters) =>
        audit.AppendAsync(new AuditRecord
        {
            Actor = who.UserId,
            AgencyId = who.AgencyId,
            Role = who.Role,
            Action = action,
            Source = source,
            CaseNumber = caseNumber,
            Detail = detail,
            Parameters = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, parameters.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, p.Value!))),
        }, cancellationToken);

    public async Task<Hotlist> CreateAsync(Principal who, string name, string source, TimeSpan refreshInterval, string? origin, CancellationToken cancellationToken)
    {
        Validate(name, source, refreshInterval);
        var list = new Hotlist
        {
            Id = "hl-" + Guid.NewGuid().ToString("N")[..12],
            AgencyId = who.AgencyId,
            Name = name.Trim(),
            Source = source.Trim(),
            RefreshInterval = refreshInterval,
            RefreshedAt = time.GetUtcNow(),
        };
        await store.CreateHotlistAsync(list, who.UserId, cancellationToken).ConfigureAwait(false);
        await AuditAsync(who, "hotlist.create", origin, null, null, cancellationToken, ("hotlist", list.Id), ("name", list.Name), ("source", list.Source),
            ("refreshHours", list.RefreshInterval.TotalHours.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
        await RebuildAsync(cancellationToken).ConfigureAwait(false);
        return list;
    }

    private static void Validate(string name, string source, TimeSpan refreshInterval)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100) throw new ArgumentException("name must be 1-100 characters.");
        if (string.IsNullOrWhiteSpace(source) || source.Length > 100) throw new ArgumentException("source must be 1-100 characters (e.g. NCIC, state, agency).");
        if (refreshInterval <= TimeSpan.Zero || refreshInterval > TimeSpan.FromDays(366)) throw new ArgumentException("refreshIntervalHours must be more than 0 and at most a year.");
    }

    /// <summary>Changes what was given (name, source, refresh interval) of one of the caller's lists; audited with old and new values.</summary>
    public async Task<Hotlist?> UpdateAsync(Principal who, string id, string? name, string? source, TimeSpan? refreshInterval, string? origin, CancellationToken cancellationToken)
    {
        var old = await store.GetHotlistAsync(id, who.AgencyId, cancellationToken).ConfigureAwait(false);
        if (old is null) return null;
        var list = old with { Name = name?.Trim() ?? old.Name, Source = source?.Trim() ?? old.Source, RefreshInterval = refreshInterval ?? old.RefreshInterval };
        Validate(list.Name, list.Source, list.RefreshInterval);
        if (!await store.UpdateHotlistAsync(list, cancellationToken).ConfigureAwait(false)) return null;
        static string Hours(TimeSpan t) => t.TotalHours.ToString(CultureInfo.InvariantCulture);
        await AuditAsync(who, "hotlist.update", origin, null, null, cancellationToken, ("hotlist", id),
            ("name", list.Name), ("oldName", list.Name == old.Name ? null : old.Name), ("source", list.Source), ("oldSource", list.Source == old.Source ? null : old.Source),
            ("refreshHours", Hours(list.RefreshInterval)), ("oldRefreshHours", list.RefreshInterval == old.RefreshInterval ? null : Hours(old.RefreshInterval))).ConfigureAwait(false);
        // Staleness is judged from the index's copy of the list.
        await RebuildAsync(cancellationToken).ConfigureAwait(false);
        return list;
    }

    public async Task<bool> DeleteAsync(Principal who, string id, string? origin, CancellationToken cancellationToken)
    {
        bool gone = await store.DeleteHotlistAsync(id, who.AgencyId, cancellationToken).ConfigureAwait(false);
        if (!gone) return false;
        await AuditAsync(who, "hotlist.delete", origin, null, null, cancellationToken, ("hotlist", id)).ConfigureAwait(false);
        await RebuildAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Adds one entry (not imported when its category is switched off) and returns it with its id.</summary>
    public async Task<HotlistEntry> AddEntryAsync(Principal who, Hotlist list, HotlistEntry entry, string? origin, CancellationToken cancellationToken)
    {
        entry = (entry with { HotlistId = list.Id, AddedBy = who.UserId, AddedAt = time.GetUtcNow() }).Validated();
        if ((await SwitchesAsync(cancellationToken).ConfigureAwait(false)).IsOff(list.AgencyId, entry.Category))
            throw new InvalidOperationException($"category '{entry.Category}' is switched off for agency '{list.AgencyId}': its entries are not imported.");
        long id = await store.AddEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        entry = entry with { Id = id };
        await AuditAsync(who, "hotlist.entry.add", origin, entry.CaseNumber, entry.Reason, cancellationToken, EntryParameters(entry)).ConfigureAwait(false);
        await RebuildAsync(cancellationToken).ConfigureAwait(false);
        return entry;
    }

    public async Task<HotlistEntry?> UpdateEntryAsync(Principal who, Hotlist list, long id, HotlistEntry entry, string? origin, CancellationToken cancellationToken)
    {
        var old = await store.GetEntryAsync(id, cancellationToken).ConfigureAwait(false);
        if (old is null || old.HotlistId != list.Id) return null;
        entry = (entry with { Id = id, HotlistId = list.Id, AddedBy = old.AddedBy, AddedAt = old.AddedAt }).Validated();
        if (!await store.UpdateEntryAsync(entry, cancellationToken).ConfigureAwait(false)) return null;
        await AuditAsync(who, "hotlist.entry.update", origin, entry.CaseNumber, entry.Reason, cancellationToken, EntryParameters(entry)).ConfigureAwait(false);
        await RebuildAsync(cancellationToken).ConfigureAwait(false);
        return entry;
    }

    public async Task<bool> DeleteEntryAsync(Principal who, Hotlist list, long id, string? origin, CancellationToken cancellationToken)
    {
        var old = await store.GetEntryAsync(id, cancellationToken).ConfigureAwait(false);
        if (old is null || old.HotlistId != list.Id || !await store.DeleteEntryAsync(list.Id, id, cancellationToken).ConfigureAwait(false)) return false;
        await AuditAsync(who, "hotlist.entry.delete", origin, old.CaseNumber, null, cancellationToken, EntryParameters(old)).ConfigureAwait(false);
        await RebuildAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static (string, string?)[] EntryParameters(HotlistEntry e) =>
    [
        ("hotlist", e.HotlistId), ("entry", e.Id.ToString(CultureInfo.InvariantCulture)), ("plate", e.Plate), ("region", e.Region), ("category", e.Category),
        ("priority", e.Priority.ToString(CultureInfo.InvariantCulture)), ("expires", e.ExpiresAt?.ToString("O", CultureInfo.InvariantCulture)),
    ];

    /// <summary>Replace-on-refresh import: the good rows become the list's whole contents, the bad ones are returned with their lines.</summary>
    public async Task<ImportResult> ImportAsync(Principal who, Hotlist list, string format, TextReader content, NcicLayout? layout, string? origin, CancellationToken cancellationToken)
    {
        var context = new ImportContext(list.Id, list.AgencyId, who.UserId, time.GetUtcNow(), await SwitchesAsync(cancellationToken).ConfigureAwait(false));
        var result = format switch
        {
            "csv" => await HotlistCsv.ReadAsync(content, context, cancellationToken).ConfigureAwait(false),
            "ncic" => await NcicImport.ReadAsync(content, layout ?? NcicLayout.Default, context, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentException($"format must be csv or ncic; got '{format}'."),
        };
        var before = await store.EntryKeysAsync(list.Id, cancellationToken).ConfigureAwait(false);
        long[] ids = await store.ReplaceEntriesAsync(list.Id, result.Entries, context.Now, cancellationToken).ConfigureAwait(false);
        var added = ImmutableArray.CreateBuilder<HotlistEntry>();
        for (int i = 0; i < ids.Length; i++)
            if (!before.Contains(AlertStore.EntryKey(result.Entries[i]))) added.Add(result.Entries[i] with { Id = ids[i] });
        result = result with { Added = added.ToImmutable() };
        await AuditAsync(who, "hotlist.import", origin, null, result.Problems.Length == 0 ? null : $"{result.Problems.Length} bad rows, first: {result.Problems[0]}", cancellationToken,
            ("hotlist", list.Id), ("format", format), ("imported", result.Entries.Length.ToString(CultureInfo.InvariantCulture)), ("new", result.Added.Length.ToString(CultureInfo.InvariantCulture)),
            ("rejected", result.Problems.Length.ToString(CultureInfo.InvariantCulture)), ("switchedOff", result.SwitchedOff.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
        await RebuildAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    public async Task SetCategoriesOffAsync(Principal who, IReadOnlyCollection<string> off, string? origin, CancellationToken cancellationToken)
    {
        var parsed = off.Select(HotlistCategories.Parse).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        await store.SetCategoriesOffAsync(who.AgencyId, parsed, cancellationToken).ConfigureAwait(false);
        await AuditAsync(who, "hotlist.categories", origin, null, null, cancellationToken, ("off", string.Join(',', parsed))).ConfigureAwait(false);
        await RebuildAsync(cancellationToken).ConfigureAwait(false);
    }
}
