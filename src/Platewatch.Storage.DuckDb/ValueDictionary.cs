using DuckDB.NET.Data;

namespace Platewatch.Storage.DuckDb;

/// <summary>
/// Small integer codes for the low-cardinality strings of a read (region, camera, agency). Rows store the
/// code: DuckDB bit-packs it to a few bits, and the appender passes an integer instead of marshalling a
/// string for every row. The code table is tiny and held in memory.
/// </summary>
internal sealed class ValueDictionary
{
    public const byte Region = 1;
    public const byte Camera = 2;
    public const byte Agency = 3;

    private readonly Dictionary<string, uint>[] _codes = [[], [], [], []];
    private readonly List<string>[] _values = [[], [], [], []];
    private readonly Lock _lock = new();

    public const string Schema = "CREATE TABLE IF NOT EXISTS dict (kind UTINYINT NOT NULL, code UINTEGER NOT NULL, value VARCHAR NOT NULL)";

    public void Load(DuckDBConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT kind, code, value FROM dict ORDER BY kind, code";
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            byte kind = r.GetByte(0);
            uint code = (uint)r.GetInt64(1);
            string value = r.GetString(2);
            var values = _values[kind];
            while (values.Count <= code) values.Add("");
            values[(int)code] = value;
            _codes[kind][value] = code;
        }
    }

    /// <summary>The code of <paramref name="value"/>, adding it (durably, before any row uses it) if new.</summary>
    public uint GetOrAdd(DuckDBConnection c, byte kind, string value)
    {
        if (_codes[kind].TryGetValue(value, out uint code)) return code;
        lock (_lock)
        {
            if (_codes[kind].TryGetValue(value, out code)) return code;
            code = (uint)_values[kind].Count;
            using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO dict VALUES ($kind, $code, $value)";
            cmd.Parameters.Add(new DuckDBParameter("kind", kind));
            cmd.Parameters.Add(new DuckDBParameter("code", code));
            cmd.Parameters.Add(new DuckDBParameter("value", value));
            cmd.ExecuteNonQuery();
            _values[kind].Add(value);
            // Publish a new map rather than mutate the one readers may be using.
            _codes[kind] = new Dictionary<string, uint>(_codes[kind]) { [value] = code };
            return code;
        }
    }

    public bool TryGetCode(byte kind, string value, out uint code) => _codes[kind].TryGetValue(value, out code);

    public string ValueOf(byte kind, uint code)
    {
        var values = _values[kind];
        return code < values.Count ? values[(int)code] : "";
    }
}
