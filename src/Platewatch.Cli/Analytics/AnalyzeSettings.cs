using System.ComponentModel;
using System.Globalization;
using Platewatch.Analytics;
using Platewatch.Cli.Search;
using Platewatch.Cli.Workspace;
using Platewatch.Query;
using Platewatch.Reads;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Analytics;

/// <summary>Options every analysis shares: who, why, under which authority, over which window.</summary>
internal class AnalyzeSettings : AccessSettings
{
    [CommandOption("--authorization <REF>")]
    [Description("Authority for places, routes, associates, convoy and stakeout: approval:ID (a supervisor's approval recorded on the server, for your agency and this case), warrant:NUMBER or court-order:NUMBER.")]
    public string? Authorization { get; init; }

    [CommandOption("--from <TIME>")]
    [Description("Start of the window, ISO 8601 (default: --last before --to).")]
    public string? From { get; init; }

    [CommandOption("--to <TIME>")]
    [Description("End of the window, ISO 8601 (default: now).")]
    public string? To { get; init; }

    [CommandOption("--last <SPAN>")]
    [Description("Window length when --from is not given: 90m, 12h, 30d (default 30d; 1d for a cloned-plate sweep).")]
    public string? Last { get; init; }

    [CommandOption("--utc-offset <OFFSET>")]
    [Description("Local time of the area for time-of-day profiles, e.g. -08:00 (default +00:00).")]
    public string? UtcOffset { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Purpose))
            return ValidationResult.Error("--purpose is required: say why you are analysing (e.g. --purpose robbery).");
        if (string.IsNullOrWhiteSpace(Case))
            return ValidationResult.Error("--case is required: every analysis must name its case or incident number.");
        return ValidationResult.Success();
    }

    public AnalysisCaller Caller(LocalWorkspace ws) => new(
        ws.Principal(this),
        new AccessPurpose(Purpose!, Case!, PurposeText),
        Authorization is null ? null : AnalysisAuthorization.Parse(Authorization),
        "cli");

    public TimeRange Range(DateTimeOffset now, TimeSpan? defaultSpan = null)
    {
        var to = To is null ? now : SearchSettings.ParseTime(To, "--to");
        var span = Last is null ? defaultSpan ?? TimeSpan.FromDays(30) : SearchSettings.ParseSpan(Last);
        var from = From is null ? to - span : SearchSettings.ParseTime(From, "--from");
        return new TimeRange(from, to);
    }

    public TimeSpan Offset()
    {
        if (UtcOffset is null) return TimeSpan.Zero;
        string s = UtcOffset.StartsWith('+') ? UtcOffset[1..] : UtcOffset;
        return TimeSpan.TryParseExact(s.TrimStart('-'), [@"hh\:mm", "hh"], CultureInfo.InvariantCulture, out var t) && t <= TimeSpan.FromHours(14)
            ? (s.StartsWith('-') ? -t : t)
            : throw new ArgumentException($"--utc-offset '{UtcOffset}' is not an offset: use e.g. -08:00 or +01:00.");
    }
}

/// <summary>Options of the analyses of one vehicle.</summary>
internal class VehicleAnalyzeSettings : AnalyzeSettings
{
    [CommandArgument(0, "<PLATE>")]
    [Description("The target plate (normalised: letters and digits).")]
    public string Plate { get; init; } = "";

    [CommandOption("--exact")]
    [Description("Leave out look-alike misreads of the plate.")]
    public bool Exact { get; init; }

    public VehicleQuery Query(DateTimeOffset now) => new()
    {
        Plate = Plates.PlateText.Normalize(Plate),
        Range = Range(now),
        UtcOffset = Offset(),
        LookAlikes = !Exact,
    };
}

internal sealed class PlacesSettings : VehicleAnalyzeSettings
{
    [CommandOption("--radius <METRES>")]
    [Description("Reads within this distance of a place's centre belong to it (default 120).")]
    [DefaultValue(120.0)]
    public double Radius { get; init; } = 120;
}

internal sealed class AssociatesSettings : VehicleAnalyzeSettings
{
    [CommandOption("--radius <METRES>")]
    [Description("How close another vehicle must be (default 20).")]
    [DefaultValue(20.0)]
    public double Radius { get; init; } = 20;

    [CommandOption("--window <SECONDS>")]
    [Description("Within how many seconds of the target's read (default 120).")]
    [DefaultValue(120)]
    public int Window { get; init; } = 120;

    [CommandOption("--min-days <N>")]
    [Description("Distinct days a vehicle must share with the target (default 2).")]
    [DefaultValue(2)]
    public int MinDays { get; init; } = 2;

    [CommandOption("--min-score <S>")]
    [Description("Least -log10 chance of that many shared days by coincidence, given the vehicle's own habits (default 4).")]
    [DefaultValue(4.0)]
    public double MinScore { get; init; } = 4;

    [CommandOption("--min-share <S>")]
    [Description("At a single place, the least part of the target's repeated company a vehicle must be, so regulars of busy places do not rank (default 0.3).")]
    [DefaultValue(0.3)]
    public double MinShare { get; init; } = 0.3;
}

internal sealed class ConvoySettings : VehicleAnalyzeSettings
{
    [CommandOption("-k|--cameras <K>")]
    [Description("Distinct cameras a vehicle must pass with the target in one trip, 2 to 20 (default 2).")]
    [DefaultValue(2)]
    public int K { get; init; } = 2;

    [CommandOption("--window <SECONDS>")]
    [Description("Within how many seconds of the target at each camera (default 30).")]
    [DefaultValue(30)]
    public int Window { get; init; } = 30;

    [CommandOption("--min-days <N>")]
    [Description("Days with such a trip a vehicle needs to be listed (default 2).")]
    [DefaultValue(2)]
    public int MinDays { get; init; } = 2;
}

internal sealed class StakeoutSettings : AnalyzeSettings
{
    [CommandOption("-a|--area <AREA@FROM/TO>")]
    [Description("An area and its window, e.g. radius:47.61,-122.33,200@2026-11-03T01:00Z/2026-11-03T03:00Z; repeat for each scene (at most 10).")]
    public string[] Areas { get; init; } = [];

    [CommandOption("-m|--min-areas <M>")]
    [Description("Areas a plate must be seen in (default: all).")]
    public int? MinAreas { get; init; }

    public override ValidationResult Validate()
    {
        var v = base.Validate();
        return !v.Successful ? v : Areas.Length == 0 ? ValidationResult.Error("Give at least one --area AREA@FROM/TO.") : ValidationResult.Success();
    }

    public StakeoutOptions Options()
    {
        var areas = Areas.Select(a =>
        {
            int at = a.LastIndexOf('@');
            int slash = at < 0 ? -1 : a.IndexOf('/', at);
            if (at < 0 || slash < 0)
                throw new ArgumentException($"--area '{a}' needs a window: AREA@FROM/TO, e.g. radius:47.61,-122.33,200@2026-11-03T01:00Z/2026-11-03T03:00Z.");
            var range = new TimeRange(SearchSettings.ParseTime(a[(at + 1)..slash], "--area (from)"), SearchSettings.ParseTime(a[(slash + 1)..], "--area (to)"));
            return new AreaWindow(Geo.Area.Parse(a[..at]), range);
        });
        return new StakeoutOptions { Areas = [.. areas], MinAreas = MinAreas };
    }
}

internal sealed class ClonedSettings : AnalyzeSettings
{
    [CommandArgument(0, "[PLATE]")]
    [Description("One plate; without it, a sweep over every plate in the window (at most 7 days).")]
    public string? Plate { get; init; }

    [CommandOption("--max-kmh <KMH>")]
    [Description("Straight-line speed taken as impossible (default 130).")]
    [DefaultValue(130.0)]
    public double MaxKmh { get; init; } = 130;

    [CommandOption("--min-conflicts <N>")]
    [Description("Impossible trips a plate needs to be listed (default 1).")]
    [DefaultValue(1)]
    public int MinConflicts { get; init; } = 1;
}
