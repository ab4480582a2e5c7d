using System.ComponentModel;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Workspace;

/// <summary>Options every command that touches the embedded store shares.</summary>
internal class DataSettings : CommandSettings
{
    [CommandOption("-d|--data <DIR>")]
    [Description("Data directory of the embedded store (default: $PLATEWATCH_DATA or ./data).")]
    public string? Data { get; init; }

    [CommandOption("--json")]
    [Description("Write machine-readable JSON to standard output instead of tables.")]
    public bool Json { get; init; }

    public string DataDirectory =>
        Path.GetFullPath(Data ?? Environment.GetEnvironmentVariable("PLATEWATCH_DATA") ?? "data");
}

/// <summary>Options of commands that read plate data: who is asking and why.</summary>
internal class AccessSettings : DataSettings
{
    [CommandOption("--purpose <PURPOSE>")]
    [Description("Why you are searching, from the agency's list (e.g. stolen-vehicle, homicide, missing-person). Required.")]
    public string? Purpose { get; init; }

    [CommandOption("--purpose-text <TEXT>")]
    [Description("Free text beside the purpose.")]
    public string? PurposeText { get; init; }

    [CommandOption("--case <NUMBER>")]
    [Description("Case or incident number. Required.")]
    public string? Case { get; init; }

    [CommandOption("--user <USER>")]
    [Description("Who is searching (default: the signed-in OS user).")]
    public string? User { get; init; }

    [CommandOption("--agency <AGENCY>")]
    [Description("The searcher's agency (default: the data directory's home agency).")]
    public string? Agency { get; init; }
}
