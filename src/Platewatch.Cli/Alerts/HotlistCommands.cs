using System.ComponentModel;
using Microsoft.Extensions.Logging.Abstractions;
using Platewatch.Alerts.Hotlists;
using Platewatch.Cli.Workspace;
using Platewatch.Query;
using Platewatch.Server.Accounts;
using Platewatch.Server.Alerts;
using Platewatch.Server.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Alerts;

internal sealed class HotlistCreateSettings : DataSettings
{
    [CommandArgument(0, "<NAME>")]
    public string Name { get; init; } = "";

    [CommandOption("--agency <AGENCY>")]
    [Description("The owning agency. Required.")]
    public string Agency { get; init; } = "";

    [CommandOption("--source <SOURCE>")]
    [Description("Where the entries come from (NCIC, state, agency). Required.")]
    public string Source { get; init; } = "";

    [CommandOption("--refresh-hours <HOURS>")]
    [Description("The list is flagged stale when not refreshed within this (default 24).")]
    public double RefreshHours { get; init; } = 24;
}

internal sealed class HotlistImportSettings : DataSettings
{
    [CommandArgument(0, "<LIST>")]
    public string List { get; init; } = "";

    [CommandArgument(1, "<FILE>")]
    public string File { get; init; } = "";

    [CommandOption("--format <FORMAT>")]
    [Description("csv (plate,region,category,reason,case_number,priority,expires,make,model,colour,type) or ncic (default csv).")]
    public string Format { get; init; } = "csv";

    [CommandOption("--layout <FILE>")]
    [Description("JSON mapping of the NCIC extract's fields (see docs/alerts.md); default: the documented fixed-width layout.")]
    public string? Layout { get; init; }
}

internal static class HotlistCli
{
    public static (DataDirectory Data, HotlistService Hotlists) Open(DataSettings settings)
    {
        var data = DataDirectory.Open(settings.DataDirectory, new AccountOptions());
        return (data, new HotlistService(new AlertStore(data.Path), data.Audit, TimeProvider.System, NullLogger<HotlistService>.Instance));
    }
}

internal sealed class HotlistCreateCommand(IAnsiConsole console) : AsyncCommand<HotlistCreateSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, HotlistCreateSettings settings, CancellationToken cancellationToken)
    {
        var (data, hotlists) = HotlistCli.Open(settings);
        await using (data.ConfigureAwait(false))
        using (hotlists)
        {
            if (!(await data.Accounts.ListAgenciesAsync(cancellationToken).ConfigureAwait(false)).Any(a => a.Id == settings.Agency))
                throw new ArgumentException($"Agency '{settings.Agency}' does not exist; create it with 'platewatch admin create-agency'.");
            var list = await hotlists.CreateAsync(new Principal(Environment.UserName, settings.Agency, Roles.Admin), settings.Name, settings.Source,
                TimeSpan.FromHours(settings.RefreshHours), "cli", cancellationToken).ConfigureAwait(false);
            if (settings.Json) Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = list.Id, ["agency"] = list.AgencyId, ["name"] = list.Name }));
            else console.MarkupLineInterpolated($"Hotlist [bold]{list.Id}[/] ({list.Name}) created for {list.AgencyId}.");
        }
        return 0;
    }
}

internal sealed class HotlistImportCommand(IAnsiConsole console) : AsyncCommand<HotlistImportSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, HotlistImportSettings settings, CancellationToken cancellationToken)
    {
        string format = settings.Format.ToLowerInvariant();
        NcicLayout? layout = settings.Layout is null ? null : NcicLayout.FromJson(await File.ReadAllTextAsync(settings.Layout, cancellationToken).ConfigureAwait(false));
        if (!File.Exists(settings.File)) throw new FileNotFoundException($"{settings.File}: no such file.");
        var (data, hotlists) = HotlistCli.Open(settings);
        ImportResult result;
        await using (data.ConfigureAwait(false))
        using (hotlists)
        {
            var list = (await hotlists.Store.ListHotlistsAsync(null, cancellationToken).ConfigureAwait(false)).FirstOrDefault(h => h.Id == settings.List)
                ?? throw new ArgumentException($"Hotlist '{settings.List}' does not exist; create it with 'platewatch hotlist create'.");
            using var reader = new StreamReader(settings.File);
            result = await hotlists.ImportAsync(new Principal(Environment.UserName, list.AgencyId, Roles.Admin), list, format, reader, layout, "cli", cancellationToken).ConfigureAwait(false);
        }
        foreach (var p in result.Problems) await Console.Error.WriteLineAsync($"{settings.File}:{p.Line}: {p.Reason}").ConfigureAwait(false);
        if (settings.Json)
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, int> { ["imported"] = result.Entries.Length, ["rejected"] = result.Problems.Length, ["switchedOff"] = result.SwitchedOff }));
        else
            console.MarkupLineInterpolated($"{result.Entries.Length:N0} entries imported (the list's previous contents replaced), {result.Problems.Length} rejected, {result.SwitchedOff} in switched-off categories.");
        return result.Problems.Length > 0 ? 3 : 0;
    }
}
