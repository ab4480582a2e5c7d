using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Platewatch.Audit;

/// <summary>
/// The embedded audit log: one JSON object per line in <c>audit.jsonl</c>, hash-chained, each append
/// flushed to disk (fsync) before it returns. Single writer per process, guarded by a lock file.
/// </summary>
public sealed class FileAuditLog : IAuditLog, IDisposable
{
    private readonly string _path;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private FileStream? _stream;
    private long _lastSequence;
    private string _lastHash = AuditChain.GenesisHash;

    public FileAuditLog(string directory, TimeProvider? time = null)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "audit.jsonl");
        _time = time ?? TimeProvider.System;
    }

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

    /// <summary>Checks every hash and link in the file; names the first line that was modified, deleted, inserted or moved.</summary>
    public static AuditVerification Verify(string file)
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
        _stream?.Dispose();
        _gate.Dispose();
    }
}
