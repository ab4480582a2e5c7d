namespace Platewatch.Geo;

public static class Haversine
{
    public const double EarthRadiusMeters = 6_371_008.8;

    public static double DistanceMeters(double lat1, double lon1, double lat2, double lon2)
    {
        double dLat = DegreesToRadians(lat2 - lat1);
        double dLon = DegreesToRadians(lon2 - lon1);
        double a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) +
                   Math.Cos(DegreesToRadians(lat1)) * Math.Cos(DegreesToRadians(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    public static double DistanceMeters(GeoPoint a, GeoPoint b) => DistanceMeters(a.Latitude, a.Longitude, b.Latitude, b.Longitude);

    /// <summary>The smallest box that contains every point within <paramref name="radiusMeters"/> of the centre.</summary>
    public static BoundingBox BoxAround(double lat, double lon, double radiusMeters)
    {
        double dLat = radiusMeters / EarthRadiusMeters * (180 / Math.PI);
        double cos = Math.Cos(DegreesToRadians(lat));
        double dLon = cos < 1e-9 ? 180 : Math.Min(180, dLat / cos);
        return new BoundingBox(Math.Max(-90, lat - dLat), Math.Max(-180, lon - dLon), Math.Min(90, lat + dLat), Math.Min(180, lon + dLon));
    }

    public static double DegreesToRadians(double deg) => deg * (Math.PI / 180);
}
