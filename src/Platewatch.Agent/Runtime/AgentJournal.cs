namespace Platewatch.Agent.Runtime;

/// <summary>
/// The agent's local record, JSON Lines in its data directory: <c>passes.jsonl</c> (every pass, with what the server's
/// schema has no field for: direction, parked, start and end, and whether there was a GPS fix) and, when enabled,
/// <c>frames.jsonl</c> (every per-frame read, OpenALPR's <c>alpr_results</c> style). Each file is rotated at 64 MB,
/// keeping one previous file, so the edge disk stays bounded.
/// </summary>
internal sealed class AgentJournal(string directory, bool perFrame)
{
    private const long MaxBytes = 64L << 20;
    private readonly Lock _lock = new();

    public bool PerFrame => perFrame;

    public void Passes(IReadOnlyList<string> lines) => Append("passes.jsonl", lines);

    public void Frame(string line)
    {
        if (perFrame) Append("frames.jsonl", [line]);
    }

    private void Append(string name, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0) return;
        string path = Path.Combine(directory, name);
        lock (_lock)
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxBytes) File.Move(path, path + ".1", overwrite: true);
            File.AppendAllLines(path, lines);
        }
    }
}
