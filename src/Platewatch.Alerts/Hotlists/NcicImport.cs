using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Platewatch.Alerts.Hotlists;

/// <summary>Where a field sits: for a fixed-width file, a 1-based start column and a width; for a delimited one, a 1-based column number (width unused).</summary>
internal sealed record NcicField(int Start, int Length = 0);

/// <summary>
/// How to read an NCIC-style extract. States deliver the national files in their own layouts, so nothing here is
/// assumed to be the real one: the default below is our documented assumption, and a JSON file can replace any
/// part of it (<c>platewatch hotlist import --layout layout.json</c>, or <c>layout</c> in the import API).
/// <para>Default, fixed width, one entry per line (columns are 1-based):</para>
/// <code>
///  1- 2  file code   SV stolen vehicle, LP stolen plate, WP wanted person, MP missing person, PO protection
///                    order, GM gang member, IV immigration violator (mapped by FileCodes)
///  3-12  plate       space-padded
/// 13-14  state       two-letter state code; the region becomes US-XX
/// 15-24  NIC         the NCIC number, used as the case number
/// 25-32  entered     YYYYMMDD
/// 33-40  expires     YYYYMMDD, or blank
/// 41-44  make        NCIC VMA code (FORD, HOND)
/// 45-47  colour      NCIC VCO code (BLK, RED)
/// 48-49  style       NCIC VST code (SU, MC, 4D)
/// 50-    remarks     the reason; blank gives the file's name
/// </code>
/// </summary>
internal sealed record NcicLayout
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>Null: fixed width. Otherwise the field separator (',' or '|').</summary>
    public char? Delimiter { get; init; }

    /// <summary>Lines to skip at the top (a header row).</summary>
    public int SkipLines { get; init; }

    /// <summary>Country prefix for two-letter state codes.</summary>
    public string Country { get; init; } = "US";

    public ImmutableDictionary<string, NcicField> Fields { get; init; } = ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, NcicField>
    {
        ["file"] = new(1, 2),
        ["plate"] = new(3, 10),
        ["state"] = new(13, 2),
        ["nic"] = new(15, 10),
        ["entered"] = new(25, 8),
        ["expires"] = new(33, 8),
        ["make"] = new(41, 4),
        ["colour"] = new(45, 3),
        ["style"] = new(48, 2),
        ["remarks"] = new(50, 200),
    });

    /// <summary>File code to category; a code not listed here makes the row bad.</summary>
    public ImmutableDictionary<string, string> FileCodes { get; init; } = ImmutableDictionary.CreateRange(StringComparer.OrdinalIgnoreCase, new Dictionary<string, string>
    {
        ["SV"] = HotlistCategories.StolenVehicle,
        ["LP"] = HotlistCategories.StolenPlate,
        ["WP"] = HotlistCategories.WantedPerson,
        ["MP"] = HotlistCategories.MissingPerson,
        ["PO"] = HotlistCategories.ProtectionOrder,
        ["GM"] = "gang-member",
        ["IV"] = "immigration-violator",
    });

    /// <summary>Priority per category; others get 50.</summary>
    public ImmutableDictionary<string, int> Priorities { get; init; } = ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, int>
    {
        [HotlistCategories.MissingPerson] = 90,
        [HotlistCategories.WantedPerson] = 80,
        [HotlistCategories.StolenVehicle] = 60,
        [HotlistCategories.ProtectionOrder] = 60,
        [HotlistCategories.StolenPlate] = 50,
    });

    public static readonly NcicLayout Default = new();

    /// <summary>
    /// Reads a layout from JSON; fields and file codes given there replace or add to the defaults:
    /// <c>{"delimiter":"|","skipLines":1,"fields":{"plate":{"start":2},"state":{"start":3}},"fileCodes":{"VS":"stolen-vehicle"}}</c>.
    /// </summary>
    public static NcicLayout FromJson(string json)
    {
        LayoutJson parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<LayoutJson>(json, Json) ?? throw new FormatException("the layout is empty.");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"the NCIC layout is not valid JSON: {ex.Message}", ex);
        }
        var layout = Default with
        {
            Delimiter = string.IsNullOrEmpty(parsed.Delimiter) ? null : parsed.Delimiter[0],
            SkipLines = parsed.SkipLines ?? 0,
            Country = parsed.Country ?? "US",
        };
        if (parsed.Fields is not null) layout = layout with { Fields = layout.Fields.SetItems(parsed.Fields) };
        if (parsed.FileCodes is not null) layout = layout with { FileCodes = layout.FileCodes.SetItems(parsed.FileCodes.Select(kv => KeyValuePair.Create(kv.Key, HotlistCategories.Parse(kv.Value)))) };
        foreach (var (name, f) in layout.Fields)
        {
            if (f.Start < 1 || (layout.Delimiter is null && f.Length < 1))
                throw new FormatException($"layout field '{name}': start must be 1 or more{(layout.Delimiter is null ? " and length 1 or more for a fixed-width file" : "")}.");
        }
        if (!layout.Fields.ContainsKey("plate") || !layout.Fields.ContainsKey("file"))
            throw new FormatException("the layout must place at least 'plate' and 'file'.");
        return layout;
    }

    private sealed record LayoutJson(string? Delimiter, int? SkipLines, string? Country, Dictionary<string, NcicField>? Fields, Dictionary<string, string>? FileCodes);
}

/// <summary>Reads an NCIC-style extract (see <see cref="NcicLayout"/>); bad rows are reported with line numbers.</summary>
internal static class NcicImport
{
    public static async Task<ImportResult> ReadAsync(TextReader reader, NcicLayout layout, ImportContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(context);
        var entries = ImmutableArray.CreateBuilder<HotlistEntry>();
        var problems = ImmutableArray.CreateBuilder<ImportProblem>();
        int off = 0;
        long lineNo = 0;
        string? line;
        while ((line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)) is not null)
        {
            lineNo++;
            if (lineNo <= layout.SkipLines || line.Trim().Length == 0) continue;
            if (line.Length > ImportContext.MaxLineLength) { problems.Add(new(lineNo, $"the line is longer than {ImportContext.MaxLineLength} characters")); continue; }
            if (entries.Count + problems.Count >= ImportContext.MaxRows) { problems.Add(new(lineNo, $"more than {ImportContext.MaxRows} rows; the rest of the file was not read")); break; }
            string[]? cells = layout.Delimiter is { } d ? line.Split(d) : null;
            string? Get(string name)
            {
                if (!layout.Fields.TryGetValue(name, out var f)) return null;
                string v;
                if (cells is not null) v = f.Start <= cells.Length ? cells[f.Start - 1] : "";
                else v = f.Start - 1 < line.Length ? line.Substring(f.Start - 1, Math.Min(f.Length, line.Length - f.Start + 1)) : "";
                v = v.Trim();
                return v.Length == 0 ? null : v;
            }
            try
            {
                string file = Get("file") ?? throw new ArgumentException("the file code is blank");
                if (!layout.FileCodes.TryGetValue(file, out string? category))
                    throw new ArgumentException($"file code '{file}' is not in the layout's fileCodes ({string.Join(", ", layout.FileCodes.Keys.Order(StringComparer.Ordinal))})");
                string? state = Get("state");
                if (state is not null && (state.Length != 2 || !state.All(char.IsAsciiLetter)))
                    throw new ArgumentException($"state '{state}' is not a two-letter code");
                var entered = Date(Get("entered"), "entered") ?? context.Now;
                var entry = new HotlistEntry
                {
                    HotlistId = context.HotlistId,
                    Plate = Get("plate") ?? throw new ArgumentException("the plate is blank"),
                    Region = state is null ? "" : $"{layout.Country}-{state.ToUpperInvariant()}",
                    Category = category,
                    Reason = Get("remarks") ?? $"NCIC {category.Replace('-', ' ')} file",
                    CaseNumber = Get("nic") ?? throw new ArgumentException("the NIC (case number) is blank"),
                    Priority = layout.Priorities.TryGetValue(category, out int p) ? p : 50,
                    AddedBy = context.AddedBy,
                    AddedAt = entered,
                    ExpiresAt = Date(Get("expires"), "expires"),
                    Vehicle = new VehicleDescription(Get("make"), null, Get("colour"), Get("style")),
                }.Validated();
                if (context.Switches.IsOff(context.AgencyId, entry.Category)) { off++; continue; }
                entries.Add(entry);
            }
            catch (ArgumentException ex)
            {
                problems.Add(new(lineNo, ex.Message.TrimEnd('.')));
            }
        }
        return new ImportResult(entries.ToImmutable(), problems.ToImmutable(), off);
    }

    private static DateTimeOffset? Date(string? s, string name)
    {
        if (s is null) return null;
        if (!DateTime.TryParseExact(s, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
            throw new ArgumentException($"{name} '{s}' is not a date (YYYYMMDD)");
        return new DateTimeOffset(d, TimeSpan.Zero);
    }
}
