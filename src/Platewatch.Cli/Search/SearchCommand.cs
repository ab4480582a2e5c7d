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
        var page = settings.Url is not null
            ? await RemoteSearch.SearchAsync(settings, query, console, cancellationToken).ConfigureAwait(false)
            : await SearchLocallyAsync(settings, query, cancellationToken).ConfigureAwait(false);
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

    private static async Task<Query.ReadPage> SearchLocallyAsync(SearchSettings settings, Query.ReadQuery query, CancellationToken cancellationToken)
    {
        await using var ws = LocalWorkspace.Open(settings.DataDirectory);
        return await ws.Queries.SearchAsync(
            ws.Principal(settings),
            new Query.AccessPurpose(settings.Purpose!, settings.Case!, settings.PurposeText),
            query,
            "cli",
            cancellationToken).ConfigureAwait(false);
    }
}
