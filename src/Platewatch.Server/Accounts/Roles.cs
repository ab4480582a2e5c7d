namespace Platewatch.Server.Accounts;

/// <summary>The fixed roles. A camera is not a user: it holds an API key and can only write reads.</summary>
internal static class Roles
{
    public const string Admin = "admin";
    public const string Supervisor = "supervisor";
    public const string Investigator = "investigator";
    public const string Auditor = "auditor";
    public const string Camera = "camera";

    /// <summary>Roles a person can hold (camera keys are made separately).</summary>
    public static readonly IReadOnlyList<string> UserRoles = [Admin, Supervisor, Investigator, Auditor];

    public static bool IsUserRole(string role) => UserRoles.Contains(role, StringComparer.Ordinal);
}
