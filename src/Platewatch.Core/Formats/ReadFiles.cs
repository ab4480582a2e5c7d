using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Platewatch.Reads;

namespace Platewatch.Formats;

public enum ReadFileFormat
{
    JsonLines,
    Csv,
}

/// <summary>One line of an input file: a read, or the reason the line was rejected.</summary>
public readonly record struct ReadLine(long LineNumber, PlateRead? Read, string? Error);

/// <summary>
/// Reads and writes reads as JSON Lines (one <see cref="ReadDto"/> object per line) or CSV with the header
/// <see cref="CsvHeader"/>. Readers never stop at a bad line: they yield it with its line number and reason.
/// </summary>
public static class ReadFiles
{
    public const string CsvHeader = "id,plate,plate_raw,region,confidence,captured_at,lat,lon,accuracy_m,heading,speed_kmh,vehicle_type,vehicle_colour,vehicle_make,camera_id,agency_id,candidates,plate_crop,context_image";

    /// <summary>Longest line accepted; a longer one is rejected without being buffered whole.</summary>
    public const int MaxLineLength = 64 * 1024;

    public static ReadFileFormat DetectFormat(string path) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csv" => ReadFileFormat.Csv,
            ".jsonl" or ".ndjson" or ".json" => ReadFileFormat.JsonLines,
            _ => throw new ArgumentException($"Cannot tell the format of '{path}' from its extension: use .jsonl or .csv, or pass --format."),
        };

    public static async IAsyncEnumerable<ReadLine> ParseAsync(Stream input, ReadFileFormat format, DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        long lineNo = 0;
        string[]? header = null;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNo++;
            if (line.Length == 0 || (line.Length > 0 && string.IsNullOrWhiteSpace(line))) continue;
            if (line.Length > MaxLineLength)
            {
                yield return new ReadLine(lineNo, null, $"line is longer than {MaxLineLength} characters");
                continue;
            }
            if (format == ReadFileFormat.JsonLines)
            {
                yield return ParseJsonLine(lineNo, line, now);
            }
            else if (header is null)
            {
                header = SplitCsv(line, out _);
                if (!header.Contains("id") || !header.Contains("plate"))
                {
                    yield return new ReadLine(lineNo, null, $"the first line must be the CSV header: {CsvHeader}");
                    yield break;
                }
            }
            else
            {
                yield return ParseCsvLine(lineNo, line, header, now);
            }
        }
    }

    private static ReadLine ParseJsonLine(long lineNo, string line, DateTimeOffset now)
    {
        ReadDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize(line, ReadJsonContext.Default.ReadDto);
        }
        catch (JsonException ex)
        {
            return new ReadLine(lineNo, null, ex.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? $"unknown field '{ex.Path?.TrimStart('$', '.')}' (see the read schema in the README)"
                : $"not valid JSON for a read{(ex.Path is { Length: > 1 } p ? $" at {p}" : "")}: {FirstSentence(ex.Message)}");
        }
        if (dto is null) return new ReadLine(lineNo, null, "expected a JSON object");
        var o = ReadMapping.FromDto(dto, now);
        return new ReadLine(lineNo, o.Read, o.Error);
    }

    private static ReadLine ParseCsvLine(long lineNo, string line, string[] header, DateTimeOffset now)
    {
        var fields = SplitCsv(line, out string? err);
        if (err is not null) return new ReadLine(lineNo, null, err);
        if (fields.Length != header.Length) return new ReadLine(lineNo, null, $"expected {header.Length} fields, found {fields.Length}");
        string? F(string name)
        {
            int i = Array.IndexOf(header, name);
            return i < 0 || fields[i].Length == 0 ? null : fields[i];
        }
        var inv = CultureInfo.InvariantCulture;
        double? D(string name, out string? bad)
        {
            bad = null;
            string? s = F(name);
            if (s is null) return null;
            if (double.TryParse(s, NumberStyles.Float, inv, out double v)) return v;
            bad = $"{name} '{s}' is not a number";
            return null;
        }
        var dto = new ReadDto
        {
            Id = F("id"),
            Plate = F("plate"),
            PlateRaw = F("plate_raw"),
            Region = F("region"),
            CameraId = F("camera_id"),
            AgencyId = F("agency_id"),
        };
        string? bad;
        dto.Confidence = D("confidence", out bad); if (bad is not null) return new ReadLine(lineNo, null, bad);
        var lat = D("lat", out bad); if (bad is not null) return new ReadLine(lineNo, null, bad);
        var lon = D("lon", out bad); if (bad is not null) return new ReadLine(lineNo, null, bad);
        var acc = D("accuracy_m", out bad); if (bad is not null) return new ReadLine(lineNo, null, bad);
        dto.Heading = D("heading", out bad); if (bad is not null) return new ReadLine(lineNo, null, bad);
        dto.SpeedKmh = D("speed_kmh", out bad); if (bad is not null) return new ReadLine(lineNo, null, bad);
        dto.Location = new LocationDto { Lat = lat, Lon = lon, Accuracy = acc };
        if (F("captured_at") is { } ts)
        {
            if (!DateTimeOffset.TryParse(ts, inv, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
                return new ReadLine(lineNo, null, $"captured_at '{ts}' is not an ISO 8601 time");
            dto.CapturedAt = t;
        }
        if (F("vehicle_type") is not null || F("vehicle_colour") is not null || F("vehicle_make") is not null)
            dto.Vehicle = new VehicleDto { Type = F("vehicle_type"), Colour = F("vehicle_colour"), Make = F("vehicle_make") };
        if (F("plate_crop") is not null || F("context_image") is not null)
            dto.Images = new ImagesDto { PlateCrop = F("plate_crop"), Context = F("context_image") };
        if (F("candidates") is { } cands)
        {
            dto.Candidates = [];
            foreach (string c in cands.Split('|'))
            {
                int colon = c.LastIndexOf(':');
                if (colon <= 0 || !double.TryParse(c.AsSpan(colon + 1), NumberStyles.Float, inv, out double conf))
                    return new ReadLine(lineNo, null, $"candidates must be PLATE:CONFIDENCE separated by '|'; got '{c}'");
                dto.Candidates.Add(new CandidateDto { Plate = c[..colon], Confidence = conf });
            }
        }
        var o = ReadMapping.FromDto(dto, now);
        return new ReadLine(lineNo, o.Read, o.Error);
    }

    /// <summary>RFC 4180 fields on one line (quoted fields may contain commas and doubled quotes, not newlines).</summary>
    public static string[] SplitCsv(string line, out string? error)
    {
        error = null;
        var fields = new List<string>(20);
        var sb = new StringBuilder();
        int i = 0;
        while (true)
        {
            sb.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) { error = "a quoted field is not closed"; return [.. fields]; }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',') { error = "text after a closing quote"; return [.. fields]; }
            }
            else
            {
                int comma = line.IndexOf(',', i);
                int end = comma < 0 ? line.Length : comma;
                sb.Append(line, i, end - i);
                i = end;
            }
            fields.Add(sb.ToString());
            if (i >= line.Length) break;
            i++; // the comma
            if (i == line.Length) { fields.Add(""); break; }
        }
        return [.. fields];
    }

    public static string FirstSentence(string message)
    {
        int i = message.IndexOf(". ", StringComparison.Ordinal);
        return i < 0 ? message.TrimEnd('.') : message[..i];
    }
}

/// <summary>Writes reads to a stream in either format. Not thread-safe.</summary>
public sealed class ReadFileWriter : IAsyncDisposable, IDisposable
{
    private readonly Stream _stream;
    private readonly ReadFileFormat _format;
    private readonly Utf8JsonWriter? _json;
    private readonly StreamWriter? _csv;
    private readonly bool _ownsStream;

    public ReadFileWriter(Stream stream, ReadFileFormat format, bool ownsStream = true)
    {
        _stream = stream;
        _format = format;
        _ownsStream = ownsStream;
        if (format == ReadFileFormat.JsonLines)
        {
            _json = new Utf8JsonWriter(stream, new JsonWriterOptions { SkipValidation = true });
        }
        else
        {
            _csv = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            _csv.WriteLine(ReadFiles.CsvHeader);
        }
    }

    public long Count { get; private set; }

    public void Write(PlateRead r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (_format == ReadFileFormat.JsonLines) WriteJson(_json!, r);
        else WriteCsv(_csv!, r);
        Count++;
    }

    private void WriteJson(Utf8JsonWriter w, PlateRead r)
    {
        w.Reset();
        w.WriteStartObject();
        w.WriteString("id", r.Id.Value);
        w.WriteString("plate", r.Plate);
        if (r.PlateRaw is not null) w.WriteString("plateRaw", r.PlateRaw);
        if (r.Region.Length > 0) w.WriteString("region", r.Region);
        w.WriteNumber("confidence", Math.Round(r.Confidence, 4));
        if (!r.Candidates.IsDefaultOrEmpty)
        {
            w.WriteStartArray("candidates");
            foreach (var c in r.Candidates)
            {
                w.WriteStartObject();
                w.WriteString("plate", c.Plate);
                w.WriteNumber("confidence", Math.Round(c.Confidence, 4));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteString("capturedAt", r.CapturedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        w.WriteStartObject("location");
        w.WriteNumber("lat", Math.Round(r.Location.Latitude, 6));
        w.WriteNumber("lon", Math.Round(r.Location.Longitude, 6));
        w.WriteNumber("accuracy", Math.Round(r.Location.AccuracyMeters, 1));
        w.WriteEndObject();
        if (r.Heading is { } h) w.WriteNumber("heading", Math.Round(h, 1));
        if (r.SpeedKmh is { } s) w.WriteNumber("speedKmh", Math.Round(s, 1));
        if (r.Vehicle is { } v)
        {
            w.WriteStartObject("vehicle");
            if (v.Type is not null) w.WriteString("type", v.Type);
            if (v.Colour is not null) w.WriteString("colour", v.Colour);
            if (v.Make is not null) w.WriteString("make", v.Make);
            w.WriteEndObject();
        }
        w.WriteString("cameraId", r.CameraId);
        w.WriteString("agencyId", r.AgencyId);
        if (r.Images is { } img)
        {
            w.WriteStartObject("images");
            if (img.PlateCrop is not null) w.WriteString("plateCrop", img.PlateCrop);
            if (img.Context is not null) w.WriteString("context", img.Context);
            w.WriteEndObject();
        }
        if (r.Pass is { } p)
        {
            w.WriteStartObject("pass");
            w.WriteString("firstSeen", p.FirstSeen.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            w.WriteString("lastSeen", p.LastSeen.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            if (p.Direction is not null) w.WriteString("direction", p.Direction);
            if (p.Parked) w.WriteBoolean("parked", true);
            if (p.Frames > 0) w.WriteNumber("frames", p.Frames);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.Flush();
        _stream.WriteByte((byte)'\n');
    }

    private static void WriteCsv(StreamWriter w, PlateRead r)
    {
        var inv = CultureInfo.InvariantCulture;
        w.Write(r.Id.ToString()); w.Write(',');
        w.Write(r.Plate); w.Write(',');
        w.Write(Quote(r.PlateRaw)); w.Write(',');
        w.Write(r.Region); w.Write(',');
        w.Write(Math.Round(r.Confidence, 4).ToString(inv)); w.Write(',');
        w.Write(r.CapturedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", inv)); w.Write(',');
        w.Write(r.Location.Latitude.ToString("F6", inv)); w.Write(',');
        w.Write(r.Location.Longitude.ToString("F6", inv)); w.Write(',');
        w.Write(r.Location.AccuracyMeters.ToString("0.#", inv)); w.Write(',');
        w.Write(r.Heading?.ToString("0.#", inv)); w.Write(',');
        w.Write(r.SpeedKmh?.ToString("0.#", inv)); w.Write(',');
        w.Write(Quote(r.Vehicle?.Type)); w.Write(',');
        w.Write(Quote(r.Vehicle?.Colour)); w.Write(',');
        w.Write(Quote(r.Vehicle?.Make)); w.Write(',');
        w.Write(Quote(r.CameraId)); w.Write(',');
        w.Write(Quote(r.AgencyId)); w.Write(',');
        if (!r.Candidates.IsDefaultOrEmpty)
            w.Write(string.Join('|', r.Candidates.Select(c => c.Plate + ":" + Math.Round(c.Confidence, 4).ToString(inv))));
        w.Write(',');
        w.Write(r.Images?.PlateCrop); w.Write(',');
        w.Write(r.Images?.Context);
        w.WriteLine();
    }

    private static string? Quote(string? s) =>
        s is null ? null : s.AsSpan().IndexOfAny(",\"\n\r") < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public void Dispose()
    {
        _json?.Flush();
        _csv?.Flush();
        _json?.Dispose();
        _csv?.Dispose();
        _stream.Flush();
        if (_ownsStream) _stream.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
