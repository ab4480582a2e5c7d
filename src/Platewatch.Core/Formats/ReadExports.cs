using System.Globalization;
using System.Text.Json;
using System.Xml;
using Platewatch.Reads;

namespace Platewatch.Formats;

/// <summary>The export formats investigators take reads out in: CSV (the ingest header), GeoJSON points, KML placemarks.
/// One implementation for the CLI and the server, so an export reads the same wherever it was made.</summary>
public static class ReadExports
{
    public static readonly IReadOnlyList<string> Formats = ["csv", "geojson", "kml"];

    public static string ContentType(string format) => format switch
    {
        "csv" => "text/csv",
        "geojson" => "application/geo+json",
        "kml" => "application/vnd.google-earth.kml+xml",
        _ => throw new ArgumentException($"'{format}' is not an export format: use csv, geojson or kml."),
    };

    public static void Write(IEnumerable<PlateRead> reads, string format, Stream output, bool indented = false)
    {
        switch (format)
        {
            case "csv": WriteCsv(reads, output); break;
            case "geojson": WriteGeoJson(reads, output, indented); break;
            case "kml": WriteKml(reads, output); break;
            default: throw new ArgumentException($"'{format}' is not an export format: use csv, geojson or kml.");
        }
    }

    public static void WriteCsv(IEnumerable<PlateRead> reads, Stream output)
    {
        using var w = new ReadFileWriter(output, ReadFileFormat.Csv, ownsStream: false);
        foreach (var r in reads) w.Write(r);
    }

    public static void WriteGeoJson(IEnumerable<PlateRead> reads, Stream output, bool indented = false)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = indented });
        w.WriteStartObject();
        w.WriteString("type", "FeatureCollection");
        w.WriteStartArray("features");
        foreach (var r in reads)
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
            w.WriteString("capturedAt", Time(r.CapturedAt));
            w.WriteString("cameraId", r.CameraId);
            w.WriteString("agencyId", r.AgencyId);
            w.WriteNumber("accuracyM", Math.Round(r.Location.AccuracyMeters, 1));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        if (indented) output.WriteByte((byte)'\n');
    }

    public static void WriteKml(IEnumerable<PlateRead> reads, Stream output)
    {
        using var w = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) });
        const string ns = "http://www.opengis.net/kml/2.2";
        w.WriteStartDocument();
        w.WriteStartElement("kml", ns);
        w.WriteStartElement("Document", ns);
        foreach (var r in reads)
        {
            w.WriteStartElement("Placemark", ns);
            w.WriteAttributeString("id", "r" + r.Id.ToString());
            w.WriteElementString("name", ns, r.Plate);
            w.WriteElementString("description", ns, string.Create(CultureInfo.InvariantCulture,
                $"camera {r.CameraId}, agency {r.AgencyId}, region {r.Region}, confidence {r.Confidence:0.####}"));
            w.WriteStartElement("TimeStamp", ns);
            w.WriteElementString("when", ns, Time(r.CapturedAt));
            w.WriteEndElement();
            w.WriteStartElement("Point", ns);
            w.WriteElementString("coordinates", ns, string.Create(CultureInfo.InvariantCulture, $"{r.Location.Longitude:0.######},{r.Location.Latitude:0.######}"));
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
