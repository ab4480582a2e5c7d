using Platewatch.Cli.Workspace;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Search;

/// <summary><c>platewatch search</c>: through the audited query service, never around it.</summary>
internal sealed class SearchCommand(IAnsiConsole console) : AsyncCommand<SearchSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SearchSettings settings, CancellationToken cancellationToken)
    {
        var query = settings.ToQuery(DateTimeOffset.UtcNow);
        await using var ws = LocalWorkspace.Open(settings.DataDirectory);
        var page = await ws.Queries.SearchAsync(
            ws.Principal(settings),
            new Query.AccessPurpose(settings.Purpose!, settings.Case!, settings.PurposeText),
            query,
            "cli",
            cancellationToken).ConfigureAwait(false);
        if (settings.Output is { } file)
        {
            await using var fs = File.Create(file);
            ReadOutput.Write(page, settings.OutputFormat, fs, console);
            await Console.Error.WriteLineAsync($"{page.Reads.Length} read(s) written to {file}.").ConfigureAwait(false);
        }
        else
        {
            using var stdout = Console.OpenStandardOutput();
            ReadOutput.Write(page, settings.OutputFormat, stdout, console);
        }
        return 0;
    }
}
