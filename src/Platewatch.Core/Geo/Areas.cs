using System.Collections.Immutable;

namespace Platewatch.Geo;

/// <summary>An axis-aligned box in degrees. Boxes that cross the antimeridian are not supported.</summary>
public readonly record struct BoundingBox(double MinLatitude, double MinLongitude, double MaxLatitude, double MaxLongitude)
{
    public bool Contains(double lat, double lon) =>
        lat >= MinLatitude && lat <= MaxLatitude && lon >= MinLongitude && lon <= MaxLongitude;

    public GeoPoint Center => new((MinLatitude + MaxLatitude) / 2, (MinLongitude + MaxLongitude) / 2);
}

/// <summary>Where to search. Every area reduces to a bounding box the store can prune with, plus an exact test.</summary>
public abstract record Area
{
    /// <summary>
    /// Parses <c>radius:LAT,LON,METRES</c>, <c>bbox:MINLAT,MINLON,MAXLAT,MAXLON</c> or
    /// <c>polygon:LAT,LON;LAT,LON;...</c> and validates the result.
    /// </summary>
    public static Area Parse(string text)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? "" : text[..colon].Trim().ToLowerInvariant();
        string body = colon < 0 ? "" : text[(colon + 1)..];
        double[] Numbers(string s, int count)
        {
            var parts = s.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != count || !parts.All(p => double.TryParse(p, System.Globalization.NumberStyles.Float, inv, out _)))
                throw new ArgumentException($"'{text}' is not a valid {kind} area: expected {count} comma-separated numbers.");
            return parts.Select(p => double.Parse(p, inv)).ToArray();
        }
        Area area = kind switch
        {
            "radius" => Numbers(body, 3) is var r ? new RadiusArea(new GeoPoint(r[0], r[1]), r[2]) : null!,
            "bbox" => Numbers(body, 4) is var b ? new BoxArea(new BoundingBox(b[0], b[1], b[2], b[3])) : null!,
            "polygon" => new PolygonArea([.. body.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(v => Numbers(v, 2) is var p ? new GeoPoint(p[0], p[1]) : default)]),
            _ => throw new ArgumentException($"'{text}' is not an area: use radius:LAT,LON,METRES, bbox:MINLAT,MINLON,MAXLAT,MAXLON or polygon:LAT,LON;LAT,LON;..."),
        };
        area.Validate();
        return area;
    }

    private protected Area() { }

    public abstract BoundingBox Bounds { get; }

    public abstract bool Contains(double lat, double lon);

    /// <summary>Throws <see cref="ArgumentException"/> naming what is wrong with the area.</summary>
    public abstract void Validate();
}

public sealed record RadiusArea(GeoPoint Center, double RadiusMeters) : Area
{
    public const double MaxRadiusMeters = 500_000;

    public override BoundingBox Bounds => Haversine.BoxAround(Center.Latitude, Center.Longitude, RadiusMeters);

    public override bool Contains(double lat, double lon) =>
        Haversine.DistanceMeters(Center.Latitude, Center.Longitude, lat, lon) <= RadiusMeters;

    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"radius:{Center.Latitude:F6},{Center.Longitude:F6},{RadiusMeters:F0}");

    public override void Validate()
    {
        if (!Center.IsValid) throw new ArgumentException($"The radius centre {Center} is not a valid latitude/longitude.");
        if (!(RadiusMeters > 0 && RadiusMeters <= MaxRadiusMeters))
            throw new ArgumentException($"The radius must be between 0 and {MaxRadiusMeters:F0} metres; got {RadiusMeters}.");
    }
}

public sealed record BoxArea(BoundingBox Box) : Area
{
    public override BoundingBox Bounds => Box;

    public override bool Contains(double lat, double lon) => Box.Contains(lat, lon);

    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"bbox:{Box.MinLatitude:F6},{Box.MinLongitude:F6},{Box.MaxLatitude:F6},{Box.MaxLongitude:F6}");

    public override void Validate()
    {
        if (!new GeoPoint(Box.MinLatitude, Box.MinLongitude).IsValid || !new GeoPoint(Box.MaxLatitude, Box.MaxLongitude).IsValid)
            throw new ArgumentException("The bounding box corners must be valid latitudes and longitudes.");
        if (Box.MinLatitude >= Box.MaxLatitude || Box.MinLongitude >= Box.MaxLongitude)
            throw new ArgumentException("The bounding box is empty: give min-lat,min-lon,max-lat,max-lon with each minimum below its maximum.");
    }
}

/// <summary>A simple polygon (no holes), vertices as latitude/longitude, closed implicitly.</summary>
public sealed record PolygonArea(ImmutableArray<GeoPoint> Vertices) : Area
{
    public const int MaxVertices = 1000;

    public override BoundingBox Bounds
    {
        get
        {
            double minLat = double.MaxValue, minLon = double.MaxValue, maxLat = double.MinValue, maxLon = double.MinValue;
            foreach (var v in Vertices)
            {
                minLat = Math.Min(minLat, v.Latitude); maxLat = Math.Max(maxLat, v.Latitude);
                minLon = Math.Min(minLon, v.Longitude); maxLon = Math.Max(maxLon, v.Longitude);
            }
            return new BoundingBox(minLat, minLon, maxLat, maxLon);
        }
    }

    public override string ToString() =>
        "polygon:" + string.Join(';', Vertices.Select(v => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{v.Latitude:F6},{v.Longitude:F6}")));

    /// <summary>Even-odd ray casting; adequate at city scale where the earth's curvature does not matter.</summary>
    public override bool Contains(double lat, double lon)
    {
        bool inside = false;
        var v = Vertices.AsSpan();
        for (int i = 0, j = v.Length - 1; i < v.Length; j = i++)
        {
            if ((v[i].Latitude > lat) != (v[j].Latitude > lat) &&
                lon < (v[j].Longitude - v[i].Longitude) * (lat - v[i].Latitude) / (v[j].Latitude - v[i].Latitude) + v[i].Longitude)
            {
                inside = !inside;
            }
        }
        return inside;
    }

    public override void Validate()
    {
        if (Vertices.IsDefaultOrEmpty || Vertices.Length < 3)
            throw new ArgumentException("A polygon needs at least 3 vertices.");
        if (Vertices.Length > MaxVertices)
            throw new ArgumentException($"A polygon may have at most {MaxVertices} vertices; got {Vertices.Length}.");
        foreach (var p in Vertices)
        {
            if (!p.IsValid) throw new ArgumentException($"Polygon vertex {p} is not a valid latitude/longitude.");
        }
        if (SelfIntersects())
            throw new ArgumentException("The polygon intersects itself: list its vertices in order around the boundary.");
        if (Math.Abs(SignedArea()) < 1e-12)
            throw new ArgumentException("The polygon is degenerate: its vertices enclose no area.");
    }

    private double SignedArea()
    {
        double sum = 0;
        var v = Vertices.AsSpan();
        for (int i = 0, j = v.Length - 1; i < v.Length; j = i++)
            sum += (v[j].Longitude * v[i].Latitude) - (v[i].Longitude * v[j].Latitude);
        return sum / 2;
    }

    private bool SelfIntersects()
    {
        var v = Vertices.AsSpan();
        int n = v.Length;
        for (int i = 0; i < n; i++)
        {
            var a1 = v[i];
            var a2 = v[(i + 1) % n];
            for (int j = i + 2; j < n; j++)
            {
                if (i == 0 && j == n - 1) continue; // adjacent through the closing edge
                var b1 = v[j];
                var b2 = v[(j + 1) % n];
                if (SegmentsCross(a1, a2, b1, b2)) return true;
            }
        }
        return false;
    }

    private static bool SegmentsCross(GeoPoint p1, GeoPoint p2, GeoPoint q1, GeoPoint q2)
    {
        static double Orient(GeoPoint a, GeoPoint b, GeoPoint c) =>
            ((b.Longitude - a.Longitude) * (c.Latitude - a.Latitude)) - ((b.Latitude - a.Latitude) * (c.Longitude - a.Longitude));
        double d1 = Orient(q1, q2, p1), d2 = Orient(q1, q2, p2), d3 = Orient(p1, p2, q1), d4 = Orient(p1, p2, q2);
        return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
    }
}
