using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Platewatch.Agent.Positioning;

/// <summary>Reads the points of a GPX 1.0/1.1 file (<c>trkpt</c> and <c>rtept</c>, each with a <c>time</c>).</summary>
internal static class Gpx
{
    public static IReadOnlyList<GpsFix> Read(string path)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        XDocument doc;
        try
        {
            using var reader = XmlReader.Create(path, settings);
            doc = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException ex)
        {
            throw new FormatException($"{path}:{ex.LineNumber}: not valid GPX XML: {ex.Message}", ex);
        }
        var fixes = new List<GpsFix>();
        foreach (var pt in doc.Descendants().Where(e => e.Name.LocalName is "trkpt" or "rtept"))
        {
            int line = ((IXmlLineInfo)pt).LineNumber;
            if (!double.TryParse((string?)pt.Attribute("lat"), NumberStyles.Float, CultureInfo.InvariantCulture, out double lat) ||
                !double.TryParse((string?)pt.Attribute("lon"), NumberStyles.Float, CultureInfo.InvariantCulture, out double lon) ||
                lat is < -90 or > 90 || lon is < -180 or > 180)
                throw new FormatException($"{path}:{line}: a track point needs lat and lon attributes in degrees.");
            string? t = Child(pt, "time");
            if (t is null) throw new FormatException($"{path}:{line}: the track point has no <time>; positions are matched to frames by time.");
            if (!DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
                throw new FormatException($"{path}:{line}: '{t}' is not an ISO 8601 time.");
            double? course = Number(Child(pt, "course"));
            double? speed = Number(Child(pt, "speed")) * 3.6; // metres per second
            fixes.Add(new GpsFix(time, lat, lon, true, course, speed));
        }
        if (fixes.Count == 0) throw new FormatException($"{path}: no track points (<trkpt lat=\"..\" lon=\"..\"><time>..</time></trkpt>).");
        fixes.Sort((a, b) => a.Time.CompareTo(b.Time));
        return fixes;
    }

    private static string? Child(XElement e, string name) => e.Elements().FirstOrDefault(c => c.Name.LocalName == name)?.Value.Trim();

    private static double? Number(string? s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
}
