using System.Globalization;
using System.Text.Json;
using System.Xml;
using Platewatch.Formats;
using Platewatch.Query;

namespace Platewatch.Server.Apis;

/// <summary>Writes a page of reads as CSV (the ingest header), GeoJSON points or KML placemarks.</summary>
internal static class ReadExport
{
    public static (byte[] Bytes, string ContentType) Write(ReadPage page, string format)
    {
        using var ms = new MemoryStream();
        switch (format)
        {
            case "csv":
                using (var w = new ReadFileWriter(ms, ReadFileFormat.Csv, ownsStream: false))
                {
                    foreach (var r in page.Reads) w.Write(r);
                }
                return (ms.ToArray(), "text/csv");
            case "geojson":
                WriteGeoJson(page, ms);
                return (ms.ToArray(), "application/geo+json");
            default:
                WriteKml(page, ms);
                return (ms.ToArray(), "application/vnd.google-earth.kml+xml");
        }
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteGeoJson(ReadPage page, Stream output)
    {
        using var w = new Utf8JsonWriter(output);
        w.WriteStartObject();
        w.WriteString("type", "FeatureCollection");
        w.WriteStartArray("features");
        foreach (var r in page.Reads)
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
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteKml(ReadPage page, Stream output)
    {
        using var w = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) });
        const string ns = "http://www.opengis.net/kml/2.2";
        w.WriteStartDocument();
        w.WriteStartElement("kml", ns);
        w.WriteStartElement("Document", ns);
        foreach (var r in page.Reads)
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
}
