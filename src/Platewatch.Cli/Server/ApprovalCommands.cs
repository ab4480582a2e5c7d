using System.ComponentModel;
using System.Text.Json;
using Platewatch.Cli.Workspace;
using Platewatch.Query;
using Platewatch.Server.Accounts;
using Platewatch.Server.Analytics;
using Platewatch.Server.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Server;

/// <summary>Options of <c>admin approvals ...</c>: whose approvals.</summary>
internal class ApprovalsSettings : DataSettings
{
    [CommandOption("--agency <AGENCY>")]
    [Description("The agency whose approvals these are (default: the data directory's home agency).")]
    public string? Agency { get; init; }

    /// <summary>Opens the data directory (server stopped) as the OS user, an operator of the agency.</summary>
    public (DataDirectory Data, ApprovalAdmin Admin) Open()
    {
        var data = Platewatch.Server.Hosting.DataDirectory.Open(DataDirectory, new AccountOptions());
        string agency = Agency ?? LocalWorkspace.ReadConfig(DataDirectory).HomeAgency;
        return (data, new ApprovalAdmin(data.Approvals, data.Audit, new Principal(Environment.UserName, agency, Roles.Admin), "cli"));
    }
}

internal sealed class ListApprovalsSettings : ApprovalsSettings
{
    [CommandOption("--case <NUMBER>")]
    [Description("Only the approvals of this case.")]
    public string? Case { get; init; }

    [CommandOption("--limit <N>")]
    [Description("At most this many, newest first (1 to 1000, default 100).")]
    [DefaultValue(ApprovalAdmin.DefaultLimit)]
    public int Limit { get; init; } = ApprovalAdmin.DefaultLimit;
}

internal sealed class RevokeApprovalSettings : ApprovalsSettings
{
    [CommandArgument(0, "<ID>")]
    [Description("The approval id (apr_...), as given to the supervisor who recorded it.")]
    public string Id { get; init; } = "";
}

internal sealed class ListApprovalsCommand(IAnsiConsole console) : AsyncCommand<ListApprovalsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ListApprovalsSettings settings, CancellationToken cancellationToken)
    {
        var (data, admin) = settings.Open();
        IReadOnlyList<AnalysisApproval> found;
        await using (data.ConfigureAwait(false))
        {
            found = await admin.ListAsync(settings.Case, settings.Limit, cancellationToken).ConfigureAwait(false);
        }
        var now = DateTimeOffset.UtcNow;
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(found.Select(a => new Dictionary<string, string?>
            {
                ["id"] = a.Id, ["caseNumber"] = a.CaseNumber, ["tier"] = a.Tier.ToString().ToLowerInvariant(),
                ["kinds"] = string.Join(',', a.Kinds.Select(AnalysisRequest.Name)), ["approvedBy"] = a.ApprovedBy,
                ["createdAt"] = a.CreatedAt is { } c ? ApprovalStore.Describe(c) : null, ["expiresAt"] = ApprovalStore.Describe(a.ExpiresAt),
                ["revokedAt"] = a.RevokedAt is { } r ? ApprovalStore.Describe(r) : null, ["revokedBy"] = a.RevokedBy,
                ["status"] = ApprovalStore.Status(a, now),
            })));
            return 0;
        }
        var table = new Table().AddColumns("Id", "Case", "Tier", "Analyses", "Approved by", "Created", "Expires", "Status");
        foreach (var a in found)
        {
            string status = ApprovalStore.Status(a, now);
            if (a.RevokedAt is { } r) status += $" {r:yyyy-MM-dd HH:mm} by {a.RevokedBy}";
            table.AddRow(
                Markup.Escape(a.Id), Markup.Escape(a.CaseNumber), a.Tier.ToString().ToLowerInvariant(),
                a.Kinds.IsDefaultOrEmpty ? "all" : string.Join(',', a.Kinds.Select(AnalysisRequest.Name)),
                Markup.Escape(a.ApprovedBy), a.CreatedAt?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "",
                a.ExpiresAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(status));
        }
        console.Write(table);
        console.MarkupLineInterpolated($"{found.Count} approval(s).");
        return 0;
    }
}

internal sealed class RevokeApprovalCommand(IAnsiConsole console) : AsyncCommand<RevokeApprovalSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, RevokeApprovalSettings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Id) || settings.Id.Length > 64)
            throw new ArgumentException("The approval id must be 1 to 64 characters (apr_...); 'admin approvals list' shows them.");
        var (data, admin) = settings.Open();
        ApprovalRevocation result;
        await using (data.ConfigureAwait(false))
        {
            result = await admin.RevokeAsync(settings.Id, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
        }
        return result.Outcome switch
        {
            RevokeOutcome.Revoked => Done(result.Approval!),
            RevokeOutcome.AlreadyRevoked => throw new InvalidOperationException(
                $"Approval {settings.Id} was already revoked at {ApprovalStore.Describe(result.Approval!.RevokedAt!.Value)} by {result.Approval.RevokedBy}."),
            _ => throw new ArgumentException($"No approval '{settings.Id}' in this agency; 'admin approvals list' shows them."),
        };

        int Done(AnalysisApproval a)
        {
            console.MarkupLineInterpolated($"Approval {a.Id} (case {a.CaseNumber}) revoked: analyses citing it are refused from now on.");
            return 0;
        }
    }
}
