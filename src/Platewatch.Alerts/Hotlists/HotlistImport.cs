using System.Collections.Immutable;
using System.Globalization;
using Platewatch.Formats;

namespace Platewatch.Alerts.Hotlists;

/// <summary>A row that was not imported, and why. Line numbers count from 1, header included.</summary>
internal sealed record ImportProblem(long Line, string Reason)
{
    public override string ToString() => $"line {Line}: {Reason}";
}

/// <summary>
/// The good rows of a file, the bad ones with their reasons, and how many rows belong to a category the
/// agency switched off (not imported, not an error). Once stored, <see cref="Added"/> holds the entries that were
/// not on the list before (same plate, region, category and case), with their ids: the ones to back-search.
/// </summary>
internal sealed record ImportResult(ImmutableArray<HotlistEntry> Entries, ImmutableArray<ImportProblem> Problems, int SwitchedOff)
{
    public ImmutableArray<HotlistEntry> Added { get; init; } = [];
}

/// <summary>What every import needs to know besides the file.</summary>
internal sealed record ImportContext(string HotlistId, string AgencyId, string AddedBy, DateTimeOffset Now, CategorySwitches Switches)
{
    public const int MaxRows = 5_000_000;
    public const int MaxLineLength = 4096;
}

/// <summary>
/// Platewatch's own hotlist CSV. Header (any order, case-insensitive):
/// <c>plate,region,category,reason,case_number,priority,expires,make,model,colour,type</c>; plate, category,
/// reason and case_number are required, <c>expires</c> is an ISO date or time, priority 0-100 (default 50).
/// </summary>
internal static class HotlistCsv
{
    public const string Header = "plate,region,category,reason,case_number,priority,expires,make,model,colour,type";
    private static readonly string[] Required = ["plate", "category", "reason", "case_number"];

    public static async Task<ImportResult> ReadAsync(TextReader reader, ImportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(context);
        var entries = ImmutableArray.CreateBuilder<HotlistEntry>();
        var problems = ImmutableArray.CreateBuilder<ImportProblem>();
        int off = 0;
        long lineNo = 0;
        Dictionary<string, int>? columns = null;
        string? line;
        while ((line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)) is not null)
        {
            lineNo++;
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.Length > ImportContext.MaxLineLength) { problems.Add(new(lineNo, $"the line is longer than {ImportContext.MaxLineLength} characters")); continue; }
            if (columns is null)
            {
                var names = ReadFiles.SplitCsv(line, out string? headerError);
                if (headerError is not null) throw new FormatException($"line {lineNo}: the header is not valid CSV ({headerError}).");
                columns = names.Select((n, i) => (n.Trim().ToLowerInvariant(), i)).GroupBy(t => t.Item1).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
                var missing = Required.Where(r => !columns.ContainsKey(r)).ToList();
                if (missing.Count > 0) throw new FormatException($"line {lineNo}: the header lacks {string.Join(", ", missing)}; expected {Header}.");
                continue;
            }
            if (entries.Count + problems.Count >= ImportContext.MaxRows) { problems.Add(new(lineNo, $"more than {ImportContext.MaxRows} rows; the rest of the file was not read")); break; }
            var fields = ReadFiles.SplitCsv(line, out string? error);
            if (error is not null) { problems.Add(new(lineNo, error)); continue; }
            string? Get(string name) => columns.TryGetValue(name, out int i) && i < fields.Length && fields[i].Length > 0 ? fields[i] : null;
            try
            {
                int priority = 50;
                if (Get("priority") is { } p && !int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out priority))
                    throw new ArgumentException($"priority '{p}' is not a whole number from 0 to 100.");
                DateTimeOffset? expires = null;
                if (Get("expires") is { } e)
                {
                    if (!DateTimeOffset.TryParse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                        throw new ArgumentException($"expires '{e}' is not an ISO date (2026-12-31 or 2026-12-31T23:59Z).");
                    expires = at;
                }
                var vehicle = new VehicleDescription(Get("make"), Get("model"), Get("colour") ?? Get("color"), Get("type"));
                var entry = new HotlistEntry
                {
                    HotlistId = context.HotlistId,
                    Plate = Get("plate") ?? "",
                    Region = Get("region") ?? "",
                    Category = Get("category") ?? "",
                    Reason = Get("reason") ?? "",
                    CaseNumber = Get("case_number") ?? "",
                    Priority = priority,
                    AddedBy = context.AddedBy,
                    AddedAt = context.Now,
                    ExpiresAt = expires,
                    Vehicle = vehicle,
                }.Validated();
                if (context.Switches.IsOff(context.AgencyId, entry.Category)) { off++; continue; }
                entries.Add(entry);
            }
            catch (ArgumentException ex)
            {
                problems.Add(new(lineNo, ex.Message.TrimEnd('.')));
            }
        }
        if (columns is null) throw new FormatException($"the file is empty; expected the header {Header}.");
        return new ImportResult(entries.ToImmutable(), problems.ToImmutable(), off);
    }
}
