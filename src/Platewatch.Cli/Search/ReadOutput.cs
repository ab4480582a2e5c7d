using System.Globalization;
using System.Text.Json;
using Platewatch.Formats;
using Platewatch.Query;
using Platewatch.Reads;
using Spectre.Console;

namespace Platewatch.Cli.Search;

/// <summary>Renders a page of reads as a table, JSON, or one of the export formats (CSV, GeoJSON, KML).</summary>
internal static class ReadOutput
{
    public static void Write(ReadPage page, string format, Stream output, IAnsiConsole console)
    {
        switch (format)
        {
            case "json":
                WriteJson(page, output);
                break;
            case "csv" or "geojson" or "kml":
                ReadExports.Write(page.Reads, format, output, indented: true);
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
}
