using System.Globalization;
using System.Text.Json;
using Platewatch.Formats;
using Platewatch.Query;
using Platewatch.Reads;
using Spectre.Console;

namespace Platewatch.Cli.Search;

/// <summary>Renders a page of reads as a table, JSON, CSV or GeoJSON.</summary>
internal static class ReadOutput
{
    public static void Write(ReadPage page, string format, Stream output, IAnsiConsole console)
    {
        switch (format)
        {
            case "json":
                WriteJson(page, output);
                break;
            case "csv":
                using (var w = new ReadFileWriter(output, ReadFileFormat.Csv, ownsStream: false))
                {
                    foreach (var r in page.Reads) w.Write(r);
                }
                break;
            case "geojson":
                WriteGeoJson(page, output);
                break;
            default:
                WriteTable(page, console);
                break;
        }
    }

    private static void WriteTable(ReadPage page, IAnsiConsole console)
    {
        // Piped output has no terminal width; 80 columns would wrap every row.
        if (Console.IsOutputRedirected && console.Profile.Width < 120) console.Profile.Width = 120;
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("captured (UTC)").NoWrap()).AddColumn(new TableColumn("plate").NoWrap()).AddColumn("region").AddColumn(new TableColumn("conf").RightAligned())
            .AddColumn("camera").AddColumn("lat, lon").AddColumn("agency");
        foreach (var r in page.Reads)
        {
            table.AddRow(
                r.CapturedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                Markup.Escape(r.Plate),
                Markup.Escape(r.Region),
                r.Confidence.ToString("P0", CultureInfo.InvariantCulture),
                Markup.Escape(r.CameraId),
                string.Create(CultureInfo.InvariantCulture, $"{r.Location.Latitude:F4},{r.Location.Longitude:F4}"),
                Markup.Escape(r.AgencyId));
        }
        console.Write(table);
        console.MarkupLine($"[grey]{page.Reads.Length} read(s).{(page.Next is { } n ? $" More: --after {n}" : "")}[/]");
    }

    private static void WriteJson(ReadPage page, Stream output)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("count", page.Reads.Length);
        w.WriteString("next", page.Next?.ToString());
        w.WritePropertyName("reads");
        w.WriteStartArray();
        foreach (var r in page.Reads) JsonSerializer.Serialize(w, ReadMapping.ToDto(r), ReadJsonContext.Default.ReadDto);
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        output.WriteByte((byte)'\n');
    }

    private static void WriteGeoJson(ReadPage page, Stream output)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("type", "FeatureCollection");
        w.WritePropertyName("features");
        w.WriteStartArray();
        foreach (PlateRead r in page.Reads)
        {
            w.WriteStartObject();
            w.WriteString("type", "Feature");
            w.WriteString("id", r.Id.ToString());
            w.WriteStartObject("geometry");
            w.WriteString("type", "Point");
            w.WriteStartArray("coordinates");
            w.WriteNumberValue(Math.Round(r.Location.Longitude, 6));
            w.WriteNumberValue(Math.Round(r.Location.Latitude, 6));
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("properties");
            w.WriteString("plate", r.Plate);
            w.WriteString("region", r.Region);
            w.WriteNumber("confidence", Math.Round(r.Confidence, 4));
            w.WriteString("capturedAt", r.CapturedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteString("cameraId", r.CameraId);
            w.WriteString("agencyId", r.AgencyId);
            w.WriteNumber("accuracyM", Math.Round(r.Location.AccuracyMeters, 1));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        output.WriteByte((byte)'\n');
    }
}
