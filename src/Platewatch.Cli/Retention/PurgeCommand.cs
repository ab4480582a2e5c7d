using System.ComponentModel;
using Platewatch.Cli.Search;
using Platewatch.Cli.Workspace;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Retention;

internal sealed class PurgeSettings : DataSettings
{
    [CommandOption("--older-than <AGE_OR_TIME>")]
    [Description("Delete reads captured before this: an age such as 90d, or an ISO 8601 time. Required.")]
    public string? OlderThan { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(OlderThan) ? ValidationResult.Error("--older-than is required, e.g. --older-than 90d.") : ValidationResult.Success();
}

/// <summary><c>platewatch purge</c>: retention by age; the deletion is audited.</summary>
internal sealed class PurgeCommand(IAnsiConsole console) : AsyncCommand<PurgeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, PurgeSettings settings, CancellationToken cancellationToken)
    {
        string s = settings.OlderThan!;
        var cutoff = char.IsDigit(s[^1]) || s.Contains('T', StringComparison.Ordinal) || s.Contains('-', StringComparison.Ordinal)
            ? SearchSettings.ParseTime(s, "--older-than")
            : DateTimeOffset.UtcNow - SearchSettings.ParseSpan(s);
        await using var ws = LocalWorkspace.Open(settings.DataDirectory);
        long n = await ws.Queries.PurgeAsync(ws.Operator(), cutoff, "cli", cancellationToken).ConfigureAwait(false);
        // The images the server stored for those reads are personal data under the same retention.
        var images = new Platewatch.Server.Images.FileImageStore(Path.Combine(settings.DataDirectory, "images"));
        long removed = await images.PurgeOlderThanAsync(cutoff, cancellationToken).ConfigureAwait(false);
        if (removed > 0)
        {
            await ws.Audit.AppendAsync(new Platewatch.Audit.AuditRecord
            {
                Actor = ws.Operator().UserId,
                AgencyId = ws.Operator().AgencyId,
                Role = "admin",
                Action = "retention.purge-images",
                Source = "cli",
                Parameters = System.Collections.Immutable.ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
                    [KeyValuePair.Create("olderThan", cutoff.ToString("O", System.Globalization.CultureInfo.InvariantCulture))]),
                ResultCount = removed,
            }, cancellationToken).ConfigureAwait(false);
        }
        if (settings.Json) Console.WriteLine($"{{\"purged\":{n},\"imagesPurged\":{removed},\"olderThan\":\"{cutoff:O}\"}}");
        else console.MarkupLine($"Purged [green]{n}[/] read(s) captured before {cutoff:O}, and {removed} image(s) last used before then.");
        return 0;
    }
}
