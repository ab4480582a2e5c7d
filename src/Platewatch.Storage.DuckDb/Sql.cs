using System.Globalization;
using DuckDB.NET.Data;

namespace Platewatch.Storage.DuckDb;

/// <summary>Statements without parameters (schema changes, counts) run on one connection.</summary>
internal static class Sql
{
    public static void Execute(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public static T Scalar<T>(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        object? v = cmd.ExecuteScalar();
        if (v is null or DBNull) return default!;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(v, target, CultureInfo.InvariantCulture);
    }

    /// <summary>A string literal's content, for the few places (file paths, fixed maps) that cannot be parameters.</summary>
    public static string Text(string s) => s.Replace("'", "''", StringComparison.Ordinal);
}
