using System.ComponentModel;
using System.Globalization;
using Platewatch.Cli.Workspace;
using Platewatch.Geo;
using Platewatch.Plates;
using Platewatch.Query;
using Platewatch.Reads;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Search;

internal sealed class SearchSettings : AccessSettings
{
    [CommandOption("-p|--plate <PLATE>")]
    [Description("Plate to find. '?' stands for one character and '*' for any run, e.g. 'AB?12*'.")]
    public string? Plate { get; init; }

    [CommandOption("--fuzzy")]
    [Description("Misread-tolerant: look-alike characters (O/0, B/8, ...) match, plus up to --edits other edits.")]
    public bool Fuzzy { get; init; }

    [CommandOption("--edits <N>")]
    [Description("Edits allowed by --fuzzy (0-2, default 1).")]
    public int Edits { get; init; } = 1;

    [CommandOption("--from <TIME>")]
    [Description("Start of the window, ISO 8601 (UTC if no offset). Default: --last before --to.")]
    public string? From { get; init; }

    [CommandOption("--to <TIME>")]
    [Description("End of the window (exclusive). Default: now.")]
    public string? To { get; init; }

    [CommandOption("--last <SPAN>")]
    [Description("Window length when --from is not given: e.g. 90m, 12h, 30d (default 30d).")]
    public string Last { get; init; } = "30d";

    [CommandOption("--area <AREA>")]
    [Description("radius:LAT,LON,METRES | bbox:MINLAT,MINLON,MAXLAT,MAXLON | polygon:LAT,LON;LAT,LON;...")]
    public string? Area { get; init; }

    [CommandOption("-c|--camera <ID>")]
    [Description("Camera id; repeat for several.")]
    public string[] Cameras { get; init; } = [];

    [CommandOption("--min-confidence <C>")]
    [Description("Lowest confidence to return, 0-1.")]
    public float MinConfidence { get; init; }

    [CommandOption("--limit <N>")]
    [Description("Most reads to return (default 100, at most 100000).")]
    public int Limit { get; init; } = 100;

    [CommandOption("--after <CURSOR>")]
    [Description("Continue after the 'next' cursor of a previous page.")]
    public string? After { get; init; }

    [CommandOption("-f|--format <FORMAT>")]
    [Description("table (default), json, csv, geojson or kml.")]
    public string? Format { get; init; }

    [CommandOption("-o|--output <FILE>")]
    [Description("Write the result to a file instead of standard output.")]
    public string? Output { get; init; }

    [CommandOption("--url <URL>")]
    [Description("Search a running Platewatch server instead of the local store (e.g. http://127.0.0.1:5080). The server applies the same gate and audit.")]
    public string? Url { get; init; }

    [CommandOption("--token <TOKEN>")]
    [Description("Bearer token for --url (default: $PLATEWATCH_TOKEN; else --username with $PLATEWATCH_PASSWORD or a prompt).")]
    public string? Token { get; init; }

    [CommandOption("--username <USER>")]
    [Description("Sign in to --url as this user.")]
    public string? Username { get; init; }

    public string OutputFormat => (Format ?? (Json ? "json" : "table")).ToLowerInvariant();

    public override ValidationResult Validate()
    {
        if (OutputFormat is not ("table" or "json" or "csv" or "geojson" or "kml"))
            return ValidationResult.Error($"--format must be table, json, csv, geojson or kml; got '{Format}'.");
        if (string.IsNullOrWhiteSpace(Purpose))
            return ValidationResult.Error("--purpose is required: say why you are searching (e.g. --purpose stolen-vehicle).");
        if (string.IsNullOrWhiteSpace(Case))
            return ValidationResult.Error("--case is required: every search must name its case or incident number.");
        if (Plate is null && Area is null && Cameras.Length == 0)
            return ValidationResult.Error("Say what to search for: --plate, --area or --camera.");
        return ValidationResult.Success();
    }

    /// <summary>Turns the options into a query; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public ReadQuery ToQuery(DateTimeOffset now)
    {
        var to = To is null ? now : ParseTime(To, "--to");
        var from = From is null ? to - ParseSpan(Last) : ParseTime(From, "--from");
        var plate = Plate is null ? null : PlatePattern.Parse(Plate, Fuzzy ? "fuzzy" : null, Edits);
        return new ReadQuery
        {
            Range = new TimeRange(from, to),
            Plate = plate,
            Area = Area is null ? null : Geo.Area.Parse(Area),
            Cameras = [.. Cameras],
            MinConfidence = MinConfidence,
            Limit = Limit,
            After = After is null ? null : ReadCursor.Parse(After),
        };
    }

    public static DateTimeOffset ParseTime(string s, string option) => TimeRange.ParseInstant(s, option);

    public static TimeSpan ParseSpan(string s)
    {
        if (s.Length >= 2 && double.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n > 0)
        {
            switch (s[^1])
            {
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }
        throw new ArgumentException($"'{s}' is not a time span: use a number and m, h or d, e.g. 90m, 12h, 30d.");
    }
}
