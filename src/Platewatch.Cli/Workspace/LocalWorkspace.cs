using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Platewatch.Audit;
using Platewatch.Query;
using Platewatch.Storage;
using Platewatch.Storage.DuckDb;

namespace Platewatch.Cli.Workspace;

/// <summary>The data directory's settings file: the home agency and each data owner's policy.</summary>
internal sealed record WorkspaceConfig
{
    public string HomeAgency { get; init; } = "demo-pd";
    public ImmutableArray<DataPolicy> Policies { get; init; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(WorkspaceConfig))]
internal sealed partial class WorkspaceJsonContext : JsonSerializerContext;

/// <summary>
/// An opened data directory: the store, the audit log and the query service over them. The CLI reaches
/// plate data only through <see cref="Queries"/>, never through the store's query method.
/// </summary>
internal sealed class LocalWorkspace : IAsyncDisposable
{
    private const string ConfigFile = "platewatch.json";

    private LocalWorkspace(string directory, WorkspaceConfig config, DuckDbReadStore store, FileAuditLog audit)
    {
        Directory = directory;
        Config = config;
        Store = store;
        Audit = audit;
        // As the server does: every registered agency without a written policy gets the default one (no sharing).
        var policies = config.Policies.ToDictionary(p => p.OwnerAgencyId, StringComparer.Ordinal);
        foreach (string agency in Platewatch.Server.Accounts.AccountStore.AgencyIds(directory)) policies.TryAdd(agency, DataPolicy.DefaultFor(agency));
        // The server's approval registry: with the server stopped, approval:ID is checked here as it is there.
        Queries = new ReadQueryService(store, audit, policies.Values, null, new Platewatch.Server.Analytics.ApprovalStore(directory));
    }

    public string Directory { get; }

    public WorkspaceConfig Config { get; }

    /// <summary>For appends, purges and stats. Reading plates goes through <see cref="Queries"/>.</summary>
    public DuckDbReadStore Store { get; }

    public FileAuditLog Audit { get; }

    public ReadQueryService Queries { get; }

    public static LocalWorkspace Open(string directory, string? homeAgency = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        var config = LoadOrCreateConfig(directory, homeAgency);
        var store = DuckDbReadStore.Open(Path.Combine(directory, "store"));
        var audit = new FileAuditLog(Path.Combine(directory, "audit"));
        return new LocalWorkspace(directory, config, store, audit);
    }

    public Principal Principal(AccessSettings s, string role = "investigator") =>
        new(s.User ?? Environment.UserName, s.Agency ?? Config.HomeAgency, role);

    public Principal Operator(string? user = null) =>
        new(user ?? Environment.UserName, Config.HomeAgency, "admin");

    /// <summary>The data directory's settings (made with the defaults if absent) without opening the store.</summary>
    public static WorkspaceConfig ReadConfig(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        return LoadOrCreateConfig(directory, null);
    }

    private static WorkspaceConfig LoadOrCreateConfig(string directory, string? homeAgency)
    {
        string path = Path.Combine(directory, ConfigFile);
        if (File.Exists(path))
        {
            try
            {
                return JsonSerializer.Deserialize(File.ReadAllText(path), WorkspaceJsonContext.Default.WorkspaceConfig)
                    ?? throw new InvalidOperationException($"{path} is empty.");
            }
            catch (JsonException ex)
            {
                throw new InvalidOperationException($"{path} is not valid ({ReadFilesMessage(ex)}); fix it or delete it to get the defaults.", ex);
            }
        }
        string agency = homeAgency ?? "demo-pd";
        var config = new WorkspaceConfig { HomeAgency = agency, Policies = [DataPolicy.DefaultFor(agency)] };
        File.WriteAllText(path, JsonSerializer.Serialize(config, WorkspaceJsonContext.Default.WorkspaceConfig));
        return config;
    }

    private static string ReadFilesMessage(JsonException ex) =>
        ex.LineNumber is { } line ? $"line {line + 1}: {Formats.ReadFiles.FirstSentence(ex.Message)}" : Formats.ReadFiles.FirstSentence(ex.Message);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync().ConfigureAwait(false);
        Audit.Dispose();
    }
}
