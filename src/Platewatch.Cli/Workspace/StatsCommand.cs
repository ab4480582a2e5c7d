using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Workspace;

/// <summary><c>platewatch stats</c>: counts only; it returns no plate, so it needs no purpose.</summary>
internal sealed class StatsCommand(IAnsiConsole console) : AsyncCommand<DataSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DataSettings settings, CancellationToken cancellationToken)
    {
        await using var ws = LocalWorkspace.Open(settings.DataDirectory);
        var s = await ws.Store.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        if (settings.Json)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"reads\":{s.Reads},\"distinctPlates\":{s.DistinctPlates},\"cameras\":{s.Cameras},\"partitions\":{s.Partitions},\"bytesOnDisk\":{s.BytesOnDisk},\"bytesPerRead\":{s.BytesPerRead:F1},\"oldest\":\"{s.Oldest:O}\",\"newest\":\"{s.Newest:O}\"}}"));
            return 0;
        }
        var t = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn(new TableColumn("value").RightAligned());
        t.AddRow("reads", s.Reads.ToString("N0", CultureInfo.InvariantCulture));
        t.AddRow("distinct plates (approx.)", s.DistinctPlates.ToString("N0", CultureInfo.InvariantCulture));
        t.AddRow("cameras", s.Cameras.ToString("N0", CultureInfo.InvariantCulture));
        t.AddRow("partitions", s.Partitions.ToString(CultureInfo.InvariantCulture));
        t.AddRow("oldest", s.Oldest?.ToString("u", CultureInfo.InvariantCulture) ?? "-");
        t.AddRow("newest", s.Newest?.ToString("u", CultureInfo.InvariantCulture) ?? "-");
        t.AddRow("on disk", $"{s.BytesOnDisk / 1048576.0:F1} MiB ({s.BytesPerRead:F1} B/read)");
        console.Write(t);
        return 0;
    }
}
