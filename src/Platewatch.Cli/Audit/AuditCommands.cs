using Platewatch.Audit;
using Platewatch.Cli.Workspace;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Audit;

/// <summary><c>platewatch audit verify</c>: checks the hash chain and names the first bad entry.</summary>
internal sealed class AuditVerifyCommand(IAnsiConsole console) : Command<DataSettings>
{
    public override int Execute(CommandContext context, DataSettings settings, CancellationToken cancellationToken)
    {
        string file = Path.Combine(settings.DataDirectory, "audit", "audit.jsonl");
        var v = FileAuditLog.Verify(file);
        if (settings.Json)
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(v, AuditJsonContext.Default.AuditVerification));
        }
        else if (v.Ok)
        {
            console.MarkupLine($"[green]OK[/]: {v.Entries} audit entr{(v.Entries == 1 ? "y" : "ies")} in {Markup.Escape(file)}, chain intact.");
        }
        else
        {
            console.MarkupLine($"[red]TAMPERED[/]: {Markup.Escape(file)} line {v.FirstBadLine}: {Markup.Escape(v.Problem ?? "")}.");
        }
        return v.Ok ? 0 : 4;
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(AuditVerification))]
internal sealed partial class AuditJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
