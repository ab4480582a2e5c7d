using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Platewatch.Cli.Workspace;
using Platewatch.Formats;
using Platewatch.Reads;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Ingest;

internal sealed class IngestSettings : DataSettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("JSON Lines (.jsonl) or CSV (.csv) file of reads; '-' reads JSON Lines from standard input.")]
    public string File { get; init; } = "";

    [CommandOption("--format <FORMAT>")]
    [Description("jsonl or csv (default: from the file extension).")]
    public string? Format { get; init; }

    [CommandOption("--batch <N>")]
    [Description("Reads per store batch (default 50000).")]
    public int Batch { get; init; } = 50_000;

    [CommandOption("--rejects <FILE>")]
    [Description("Also write every rejected line number and reason to this file.")]
    public string? Rejects { get; init; }

    public override ValidationResult Validate() =>
        Batch is < 1 or > 1_000_000 ? ValidationResult.Error("--batch must be 1 to 1000000.") : ValidationResult.Success();
}

/// <summary>
/// <c>platewatch ingest</c>: stores every valid line, reports every bad one with its line number and
/// reason, and exits non-zero if any line was rejected. A bad line never stops the good ones.
/// </summary>
internal sealed class IngestCommand(IAnsiConsole console) : AsyncCommand<IngestSettings>
{
    private const int RejectsShown = 20;

    public override async Task<int> ExecuteAsync(CommandContext context, IngestSettings settings, CancellationToken cancellationToken)
    {
        var format = settings.Format?.ToLowerInvariant() switch
        {
            null => settings.File == "-" ? ReadFileFormat.JsonLines : ReadFiles.DetectFormat(settings.File),
            "jsonl" or "json" or "ndjson" => ReadFileFormat.JsonLines,
            "csv" => ReadFileFormat.Csv,
            _ => throw new ArgumentException($"--format must be jsonl or csv; got '{settings.Format}'."),
        };
        if (settings.File != "-" && !System.IO.File.Exists(settings.File))
            throw new FileNotFoundException($"No such file: {settings.File}");

        await using var input = settings.File == "-" ? Console.OpenStandardInput() : System.IO.File.OpenRead(settings.File);
        await using var ws = LocalWorkspace.Open(settings.DataDirectory);
        await using var rejectsFile = settings.Rejects is null ? null : new StreamWriter(settings.Rejects);
        long total = input.CanSeek ? input.Length : 0;
        long lines = 0, added = 0, duplicates = 0, rejected = 0;
        var shown = new List<string>();
        var now = DateTimeOffset.UtcNow;

        await new ProgressDisplay(console).RunAsync("ingest", "B", total, async report =>
        {
            var batch = new List<PlateRead>(settings.Batch);
            async Task Flush()
            {
                if (batch.Count == 0) return;
                var r = await ws.Store.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
                added += r.Added;
                duplicates += r.Duplicates;
                batch.Clear();
                if (input.CanSeek) report(input.Position);
            }

            await foreach (var line in ReadFiles.ParseAsync(input, format, now, cancellationToken).ConfigureAwait(false))
            {
                lines++;
                if (line.Read is { } read)
                {
                    batch.Add(read);
                    if (batch.Count >= settings.Batch) await Flush().ConfigureAwait(false);
                    continue;
                }
                rejected++;
                string message = $"{settings.File}:{line.LineNumber}: {line.Error}";
                if (shown.Count < RejectsShown) shown.Add(message);
                if (rejectsFile is not null) await rejectsFile.WriteLineAsync(message).ConfigureAwait(false);
            }
            await Flush().ConfigureAwait(false);
            return 0;
        }).ConfigureAwait(false);

        foreach (string m in shown) await Console.Error.WriteLineAsync(m).ConfigureAwait(false);
        if (rejected > shown.Count)
            await Console.Error.WriteLineAsync($"... and {rejected - shown.Count} more rejected line(s){(settings.Rejects is null ? "; use --rejects FILE to list them all" : $", listed in {settings.Rejects}")}.").ConfigureAwait(false);

        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new IngestSummary(lines, added, duplicates, rejected), IngestJsonContext.Default.IngestSummary));
        }
        else
        {
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"{lines} line(s): [green]{added} stored[/], {duplicates} duplicate(s), {(rejected > 0 ? "[red]" : "")}{rejected} rejected{(rejected > 0 ? "[/]" : "")}."));
        }
        return rejected > 0 ? 3 : 0;
    }
}

internal sealed record IngestSummary(long Lines, long Stored, long Duplicates, long Rejected);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(IngestSummary))]
internal sealed partial class IngestJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
