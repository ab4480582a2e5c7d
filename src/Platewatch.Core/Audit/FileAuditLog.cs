using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Platewatch.Audit;

/// <summary>
/// The embedded audit log: one JSON object per line in <c>audit.jsonl</c>, hash-chained, each append
/// flushed to disk (fsync) before it returns. Single writer per process, guarded by a lock file.
/// The chain head (sequence and hash) is checkpointed to <c>checkpoints.jsonl</c> every
/// <see cref="CheckpointEvery"/> entries and on close: a chain alone cannot show that its newest entries were
/// cut off, a checkpoint can. Operators should copy the checkpoints off the machine (they are small).
/// </summary>
public sealed class FileAuditLog : IAuditLog, IDisposable
{
    public const string CheckpointFileName = "checkpoints.jsonl";

    private readonly string _path;
    private readonly string _checkpointPath;
    private long _checkpointedSequence;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private FileStream? _stream;
    private long _lastSequence;
    private string _lastHash = AuditChain.GenesisHash;

    public FileAuditLog(string directory, TimeProvider? time = null, int checkpointEvery = 1000)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "audit.jsonl");
        _checkpointPath = Path.Combine(directory, CheckpointFileName);
        _time = time ?? TimeProvider.System;
        CheckpointEvery = Math.Max(1, checkpointEvery);
    }

    /// <summary>Entries between two checkpoints of the chain head.</summary>
    public int CheckpointEvery { get; }

    public string FilePath => _path;

    public async Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = _stream ??= Open();
            var at = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
            long seq = _lastSequence + 1;
            string hash = AuditChain.ComputeHash(seq, at, record, _lastHash);
            var entry = new AuditEntry(seq, at, record, _lastHash, hash);
            var buffer = new ArrayBufferWriter<byte>(512);
            using (var w = new Utf8JsonWriter(buffer)) AuditChain.WriteEntry(w, entry);
            buffer.Write("\n"u8);
            await stream.WriteAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            _lastSequence = seq;
            _lastHash = hash;
            if (seq - _checkpointedSequence >= CheckpointEvery) WriteCheckpoint();
            return entry;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async IAsyncEnumerable<AuditEntry> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!File.Exists(_path)) yield break;
        using var reader = new StreamReader(new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0) continue;
            yield return AuditChain.ParseEntry(System.Text.Encoding.UTF8.GetBytes(line));
        }
    }

    /// <summary>Records the chain head, fsync'd. Called under the gate or at close.</summary>
    private void WriteCheckpoint()
    {
        if (_lastSequence == 0 || _lastSequence == _checkpointedSequence) return;
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("seq", _lastSequence);
            w.WriteString("hash", _lastHash);
            w.WriteString("at", _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        using var fs = new FileStream(_checkpointPath, FileMode.Append, FileAccess.Write, FileShare.Read);
        fs.Write(buffer.WrittenSpan);
        fs.Flush(flushToDisk: true);
        _checkpointedSequence = _lastSequence;
    }

    /// <summary>The checkpoints beside an audit file: (sequence, hash) pairs, oldest first; a bad line is reported by number.</summary>
    private static List<(long Line, long Sequence, string Hash)> ReadCheckpoints(string auditFile, out string? problem)
    {
        problem = null;
        var list = new List<(long, long, string)>();
        string path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(auditFile))!, CheckpointFileName);
        if (!File.Exists(path)) return list;
        long lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (line.Length == 0) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                list.Add((lineNo, doc.RootElement.GetProperty("seq").GetInt64(), doc.RootElement.GetProperty("hash").GetString()!));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                problem = $"{CheckpointFileName} line {lineNo} is not a checkpoint";
                return list;
            }
        }
        return list;
    }

    /// <summary>
    /// Checks every hash and link in the file, then that every checkpointed chain head is still in it; names the first
    /// line that was modified, deleted, inserted or moved, or says that entries after the last one were cut off.
    /// </summary>
    public static AuditVerification Verify(string file)
    {
        // Checkpoints are few (one per thousand entries): held in memory and checked as the chain streams past,
        // so verifying years of audit never holds the log's hashes.
        var checkpoints = ReadCheckpoints(file, out string? problem);
        var bySequence = new Dictionary<long, (long Line, string Hash)>();
        foreach (var (line, seq, hash) in checkpoints) bySequence.TryAdd(seq, (line, hash));
        var chain = VerifyChain(file, bySequence);
        if (!chain.Ok) return chain;
        if (problem is not null) return new(false, chain.Entries, null, problem);
        if (checkpoints.Count > 0 && checkpoints[^1] is var (lastLine, lastSeq, _) && lastSeq > chain.Entries)
            return new(false, chain.Entries, chain.Entries + 1, $"the log ends at entry {chain.Entries} but checkpoint {lastLine} recorded entry {lastSeq}: the newest entries were deleted");
        return chain;
    }

    private static AuditVerification VerifyChain(string file, Dictionary<long, (long Line, string Hash)> checkpoints)
    {
        if (!File.Exists(file)) return AuditVerification.Valid(0);
        string prev = AuditChain.GenesisHash;
        long expectedSeq = 1;
        long lineNo = 0;
        foreach (string line in File.ReadLines(file))
        {
            lineNo++;
            if (line.Length == 0) return new(false, lineNo - 1, lineNo, "empty line inside the log");
            AuditEntry e;
            try { e = AuditChain.ParseEntry(System.Text.Encoding.UTF8.GetBytes(line)); }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return new(false, lineNo - 1, lineNo, "the entry is not valid JSON in the audit format");
            }
            if (e.Sequence != expectedSeq)
                return new(false, lineNo - 1, lineNo, $"sequence {e.Sequence} where {expectedSeq} was expected (an entry was deleted, inserted or moved)");
            if (!string.Equals(e.PreviousHash, prev, StringComparison.Ordinal))
                return new(false, lineNo - 1, lineNo, "its link to the previous entry does not match (an entry before it was changed, deleted or inserted)");
            string recomputed = AuditChain.ComputeHash(e.Sequence, e.At, e.Record, e.PreviousHash);
            if (!string.Equals(recomputed, e.Hash, StringComparison.Ordinal))
                return new(false, lineNo - 1, lineNo, "its content does not match its hash (the entry was modified)");
            if (checkpoints.TryGetValue(e.Sequence, out var checkpoint) && !string.Equals(checkpoint.Hash, e.Hash, StringComparison.Ordinal))
                return new(false, lineNo - 1, lineNo, $"entry {e.Sequence} does not match the hash checkpoint {checkpoint.Line} recorded for it: the log was rewritten");
            prev = e.Hash;
            expectedSeq++;
        }
        return AuditVerification.Valid(lineNo);
    }

    /// <summary>
    /// Continues the chain from the last entry. Only that entry is checked here, so opening stays cheap however
    /// long the log grows; the whole chain is checked by <see cref="Verify"/> (<c>platewatch audit verify</c>).
    /// </summary>
    private FileStream Open()
    {
        if (LastLine(_path) is { } line)
        {
            AuditEntry last;
            try
            {
                last = AuditChain.ParseEntry(line);
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InvalidOperationException($"The last entry of the audit log {_path} is unreadable. Refusing to append; run 'platewatch audit verify' and restore the log.", ex);
            }
            if (!string.Equals(AuditChain.ComputeHash(last.Sequence, last.At, last.Record, last.PreviousHash), last.Hash, StringComparison.Ordinal))
                throw new InvalidOperationException($"The last entry of the audit log {_path} does not match its hash. Refusing to append; run 'platewatch audit verify' and restore the log.");
            _lastSequence = last.Sequence;
            _lastHash = last.Hash;
        }
        // A chain that is shorter than its last checkpoint lost its newest entries: appending would hide that.
        var checkpoints = ReadCheckpoints(_path, out _);
        if (checkpoints.Count > 0)
        {
            long recorded = checkpoints[^1].Sequence;
            if (recorded > _lastSequence)
                throw new InvalidOperationException($"The audit log {_path} ends at entry {_lastSequence} but a checkpoint recorded entry {recorded}: entries were deleted. Refusing to append; run 'platewatch audit verify' and restore the log.");
            _checkpointedSequence = recorded;
        }
        return new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);
    }

    /// <summary>The bytes of the file's last non-empty line, read backwards from the end; null for an empty file.</summary>
    private static byte[]? LastLine(string path)
    {
        if (!File.Exists(path)) return null;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        long end = fs.Length;
        while (end > 0 && ReadByteAt(fs, end - 1) is (byte)'\n' or (byte)'\r') end--;
        if (end == 0) return null;
        long start = end;
        var chunk = new byte[8192];
        while (start > 0)
        {
            int n = (int)Math.Min(chunk.Length, start);
            fs.Position = start - n;
            fs.ReadExactly(chunk, 0, n);
            int nl = Array.LastIndexOf(chunk, (byte)'\n', n - 1, n);
            if (nl >= 0)
            {
                start = start - n + nl + 1;
                break;
            }
            start -= n;
        }
        var line = new byte[end - start];
        fs.Position = start;
        fs.ReadExactly(line);
        return line;
    }

    private static int ReadByteAt(FileStream fs, long position)
    {
        fs.Position = position;
        return fs.ReadByte();
    }

    public void Dispose()
    {
        if (_stream is not null)
        {
            _gate.Wait();
            try
            {
                WriteCheckpoint();
            }
            catch (IOException)
            {
                // Closing must not fail over a checkpoint; the next open writes one after its next append.
            }
            finally
            {
                _gate.Release();
            }
        }
        _stream?.Dispose();
        _gate.Dispose();
    }
}
