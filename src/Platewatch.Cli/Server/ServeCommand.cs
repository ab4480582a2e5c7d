using System.ComponentModel;
using Platewatch.Cli.Workspace;
using Platewatch.Server.Hosting;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Server;

internal sealed class ServeSettings : DataSettings
{
    [CommandOption("--urls <URLS>")]
    [Description("Where to listen, ';'-separated (default: $PLATEWATCH_URLS or http://127.0.0.1:5080).")]
    public string? Urls { get; init; }

    [CommandOption("--config <FILE>")]
    [Description("A JSON settings file (Limits, Accounts, Audit sections); DIR/server.json is read first, PLATEWATCH_* variables last.")]
    public string? Config { get; init; }
}

/// <summary><c>platewatch serve</c>: the HTTP API over one data directory, until Ctrl+C or SIGTERM.</summary>
internal sealed class ServeCommand : AsyncCommand<ServeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ServeSettings settings, CancellationToken cancellationToken)
    {
        string urls = settings.Urls ?? Environment.GetEnvironmentVariable("PLATEWATCH_URLS") ?? "http://127.0.0.1:5080";
        await using var app = PlatewatchServer.Build(new Platewatch.Server.Hosting.ServeSettings(
            settings.DataDirectory, urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), settings.Config));
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
