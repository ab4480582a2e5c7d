using System.ComponentModel;
using Platewatch.Cli.Workspace;
using Platewatch.Query;
using Platewatch.Server.Accounts;
using Platewatch.Server.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Server;

internal static class AdminCommands
{
    public static void Register(IConfigurator config) =>
        config.AddBranch("admin", admin =>
        {
            admin.SetDescription("Bootstrap accounts (only here: the API has no route that creates them). Audited. Stop the server first.");
            admin.AddCommand<CreateAgencyCommand>("create-agency")
                .WithDescription("Create an agency (a tenant); it sees only its own reads until a sharing agreement exists.")
                .WithExample("admin", "create-agency", "demo-pd", "--name", "Demo Police Department");
            admin.AddCommand<CreateUserCommand>("create-user")
                .WithDescription("Create a user in an agency with a role (admin, supervisor, investigator or auditor); prints a generated password unless --password is given.")
                .WithExample("admin", "create-user", "alice", "--agency", "demo-pd", "--role", "investigator");
            admin.AddCommand<CreateCameraKeyCommand>("create-camera-key")
                .WithDescription("Create an API key bound to one camera of one agency; it can only write reads. The key is shown once.")
                .WithExample("admin", "create-camera-key", "--agency", "demo-pd", "--camera", "pole-001", "--position", "47.6062,-122.3321");
            admin.AddCommand<RevokeCameraKeyCommand>("revoke-camera-key")
                .WithDescription("Revoke a camera's API key at once; audited.")
                .WithExample("admin", "revoke-camera-key", "--key-id", "AbCd1234");
            admin.AddBranch("approvals", approvals =>
            {
                approvals.SetDescription("Supervisors' approvals of analyses (recorded through the server) in the home agency or --agency. Audited.");
                approvals.AddCommand<ListApprovalsCommand>("list")
                    .WithDescription("List the agency's approvals, newest first, with their status (active, expired or revoked).")
                    .WithExample("admin", "approvals", "list", "--case", "24-0099");
                approvals.AddCommand<RevokeApprovalCommand>("revoke")
                    .WithDescription("Revoke an approval at once; analyses citing it are refused from then on.")
                    .WithExample("admin", "approvals", "revoke", "apr_0123456789abcdef");
            });
        });

    /// <summary>Opens the data directory for an account change, recorded under the OS user who ran it.</summary>
    public static (DataDirectory Data, AccountAdmin Admin) Open(DataSettings settings)
    {
        var data = DataDirectory.Open(settings.DataDirectory, new AccountOptions());
        return (data, new AccountAdmin(data.Accounts, data.Audit, new Principal(Environment.UserName, "", "admin"), "cli"));
    }
}

internal sealed class CreateAgencySettings : DataSettings
{
    [CommandArgument(0, "<ID>")]
    [Description("Agency id: letters, digits, '-', '_', '.'.")]
    public string Id { get; init; } = "";

    [CommandOption("--name <NAME>")]
    [Description("Display name (default: the id).")]
    public string? Name { get; init; }
}

internal sealed class CreateAgencyCommand(IAnsiConsole console) : AsyncCommand<CreateAgencySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CreateAgencySettings settings, CancellationToken cancellationToken)
    {
        var (data, admin) = AdminCommands.Open(settings);
        await using (data.ConfigureAwait(false))
        {
            await admin.CreateAgencyAsync(settings.Id, settings.Name ?? settings.Id, cancellationToken).ConfigureAwait(false);
        }
        console.MarkupLineInterpolated($"Agency [bold]{settings.Id}[/] created.");
        return 0;
    }
}

internal sealed class CreateUserSettings : DataSettings
{
    [CommandArgument(0, "<USERNAME>")]
    public string Username { get; init; } = "";

    [CommandOption("--agency <AGENCY>")]
    public string Agency { get; init; } = "";

    [CommandOption("--role <ROLE>")]
    [Description("admin, supervisor, investigator or auditor.")]
    public string Role { get; init; } = "";

    [CommandOption("--password <PASSWORD>")]
    [Description("At least 12 characters; default: a generated one, printed once. Prefer $PLATEWATCH_NEW_PASSWORD to keep it out of shell history.")]
    public string? Password { get; init; }
}

internal sealed class CreateUserCommand(IAnsiConsole console) : AsyncCommand<CreateUserSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CreateUserSettings settings, CancellationToken cancellationToken)
    {
        string? given = settings.Password ?? Environment.GetEnvironmentVariable("PLATEWATCH_NEW_PASSWORD");
        string password = given ?? Secrets.NewPassword();
        var (data, admin) = AdminCommands.Open(settings);
        await using (data.ConfigureAwait(false))
        {
            await admin.CreateUserAsync(settings.Agency, settings.Username, settings.Role, password, cancellationToken).ConfigureAwait(false);
        }
        if (settings.Json)
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["username"] = settings.Username, ["agency"] = settings.Agency, ["role"] = settings.Role, ["password"] = given is null ? password : "",
            }));
            return 0;
        }
        console.MarkupLineInterpolated($"User [bold]{settings.Username}[/] ({settings.Role}) created in {settings.Agency}.");
        if (given is null) console.MarkupLineInterpolated($"Password (shown once): [bold]{password}[/]");
        return 0;
    }
}

internal sealed class CreateCameraKeySettings : DataSettings
{
    [CommandOption("--agency <AGENCY>")]
    public string Agency { get; init; } = "";

    [CommandOption("--camera <CAMERA>")]
    public string Camera { get; init; } = "";

    [CommandOption("--position <LAT,LON>")]
    [System.ComponentModel.Description("The fixed camera's place, used for reads whose format carries no GPS (OpenALPR results, Plate Recognizer).")]
    public string? Position { get; init; }
}

internal sealed class RevokeCameraKeySettings : DataSettings
{
    [CommandOption("--key-id <KEYID>")]
    public string KeyId { get; init; } = "";
}

internal sealed class RevokeCameraKeyCommand(IAnsiConsole console) : AsyncCommand<RevokeCameraKeySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, RevokeCameraKeySettings settings, CancellationToken cancellationToken)
    {
        var (data, admin) = AdminCommands.Open(settings);
        await using (data.ConfigureAwait(false))
        {
            await admin.RevokeCameraKeyAsync(settings.KeyId, cancellationToken).ConfigureAwait(false);
        }
        console.MarkupLineInterpolated($"Camera key {settings.KeyId} revoked.");
        return 0;
    }
}

internal sealed class CreateCameraKeyCommand(IAnsiConsole console) : AsyncCommand<CreateCameraKeySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CreateCameraKeySettings settings, CancellationToken cancellationToken)
    {
        var (data, admin) = AdminCommands.Open(settings);
        (string KeyId, string Key) made;
        await using (data.ConfigureAwait(false))
        {
            Platewatch.Geo.GeoPoint? position = null;
            if (settings.Position is { } text)
            {
                string[] parts = text.Split(',');
                var inv = System.Globalization.CultureInfo.InvariantCulture;
                if (parts.Length != 2 || !double.TryParse(parts[0], inv, out double lat) || !double.TryParse(parts[1], inv, out double lon))
                    throw new ArgumentException($"--position '{text}' is not LAT,LON (for example 47.6062,-122.3321).");
                position = new Platewatch.Geo.GeoPoint(lat, lon);
            }
            made = await admin.CreateCameraKeyAsync(settings.Agency, settings.Camera, position, cancellationToken).ConfigureAwait(false);
        }
        if (settings.Json)
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["keyId"] = made.KeyId, ["key"] = made.Key, ["agency"] = settings.Agency, ["camera"] = settings.Camera,
            }));
            return 0;
        }
        console.MarkupLineInterpolated($"Camera key {made.KeyId} for {settings.Camera} ({settings.Agency}). Key (shown once, send as 'Authorization: Bearer KEY'):");
        Console.WriteLine(made.Key);
        return 0;
    }
}
