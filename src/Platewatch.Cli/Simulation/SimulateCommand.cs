using System.ComponentModel;
using System.Globalization;
using Platewatch.Cli.Search;
using Platewatch.Cli.Workspace;
using Platewatch.Formats;
using Platewatch.Simulation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Simulation;

internal class CitySettings : DataSettings
{
    [CommandOption("--seed <N>")]
    [Description("Random seed; the same seed gives the same city and reads (default 42).")]
    public int Seed { get; init; } = 42;

    [CommandOption("--vehicles <N>")]
    [Description("Vehicles in the city (default 2000).")]
    public int Vehicles { get; init; } = 2000;

    [CommandOption("--days <N>")]
    [Description("Days to simulate (default 7; for eval analytics 28).")]
    public int? Days { get; init; }

    [CommandOption("--start <DATE>")]
    [Description("First day, UTC (default 2026-11-02; for eval analytics 28 days earlier, 2026-10-05).")]
    public string? Start { get; init; }

    [CommandOption("--fixed-cameras <N>")]
    [Description("Fixed cameras: poles, toll points, garages (default 60).")]
    public int FixedCameras { get; init; } = 60;

    [CommandOption("--mobile-cameras <N>")]
    [Description("Patrol cars and buses (default 6).")]
    public int MobileCameras { get; init; } = 6;

    [CommandOption("--misread-rate <R>")]
    [Description("Share of reads with a look-alike substitution (default 0.03).")]
    public double MisreadRate { get; init; } = 0.03;

    [CommandOption("--miss-rate <R>")]
    [Description("Share of passes the camera fails to read (default 0.05).")]
    public double MissRate { get; init; } = 0.05;

    /// <summary>Days simulated when --days is not given, and days from the simulator's default start to the default --start.</summary>
    protected virtual (int Days, int StartShift) Defaults => (7, 0);

    public SimulationOptions ToOptions() => new()
    {
        Seed = Seed,
        Vehicles = Vehicles,
        Days = Days ?? Defaults.Days,
        Start = Start is null ? new SimulationOptions().Start.AddDays(Defaults.StartShift) : SearchSettings.ParseTime(Start, "--start"),
        FixedCameras = FixedCameras,
        MobileCameras = MobileCameras,
        MisreadRate = MisreadRate,
        MissRate = MissRate,
    };
}

internal sealed class SimulateSettings : CitySettings
{
    [CommandOption("-o|--output <FILE>")]
    [Description("Write reads to a .jsonl or .csv file instead of the store.")]
    public string? Output { get; init; }

    [CommandOption("--truth <FILE>")]
    [Description("Where to write the ground truth JSON (default: truth.json beside the output, or in the data directory).")]
    public string? Truth { get; init; }
}

/// <summary><c>platewatch simulate</c>: a synthetic city's reads into the store or a file, plus its ground truth.</summary>
internal sealed class SimulateCommand(IAnsiConsole console) : AsyncCommand<SimulateSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SimulateSettings settings, CancellationToken cancellationToken)
    {
        var sim = new CitySimulator(settings.ToOptions());
        string truthPath = settings.Truth ?? Path.Combine(settings.Output is { } o ? Path.GetDirectoryName(Path.GetFullPath(o))! : settings.DataDirectory, "truth.json");
        long total = sim.EstimateReads();
        long written = 0;
        if (settings.Output is { } output)
        {
            var format = ReadFiles.DetectFormat(output);
            await using var w = new ReadFileWriter(new BufferedStream(File.Create(output), 1 << 20), format);
            await new ProgressDisplay(console).RunAsync("simulate", "reads", total, report =>
            {
                foreach (var batch in sim.Generate())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    foreach (var r in batch) w.Write(r);
                    written += batch.Count;
                    report(written);
                }
                return Task.FromResult(0);
            }).ConfigureAwait(false);
        }
        else
        {
            await using var ws = LocalWorkspace.Open(settings.DataDirectory, settings.ToOptions().AgencyId);
            long duplicates = 0;
            await new ProgressDisplay(console).RunAsync("simulate", "reads", total, async report =>
            {
                foreach (var batch in sim.Generate())
                {
                    var r = await ws.Store.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
                    written += r.Added;
                    duplicates += r.Duplicates;
                    report(written + duplicates);
                }
                await ws.Store.CompactAllAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(truthPath))!);
        await using (var fs = File.Create(truthPath)) sim.Truth.WriteJson(fs);

        if (settings.Json)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"reads\":{written},\"cameras\":{sim.City.Cameras.Count},\"vehicles\":{settings.Vehicles},\"truth\":\"{truthPath.Replace("\\", "\\\\", StringComparison.Ordinal)}\"}}"));
        }
        else
        {
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Simulated [green]{written:N0}[/] reads from {sim.City.Cameras.Count} cameras and {settings.Vehicles:N0} vehicles over {settings.ToOptions().Days} day(s) into {Markup.Escape(settings.Output ?? settings.DataDirectory)}; ground truth in {Markup.Escape(truthPath)}."));
        }
        return 0;
    }
}
