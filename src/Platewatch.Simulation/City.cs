using Platewatch.Geo;
using Platewatch.Reads;

namespace Platewatch.Simulation;

/// <summary>A street-grid node. Arterials are the main roads most through traffic, the buses and most cameras use.</summary>
public sealed record Intersection(int Id, int Row, int Column, GeoPoint Position, bool Arterial);

/// <summary>The simulated city: its box, the agencies that own cameras, the cameras and the street grid.</summary>
public sealed class City
{
    internal City(BoundingBox bounds, TimeSpan utcOffset, double blockMeters, int rows, int columns,
        IReadOnlyList<Agency> agencies, IReadOnlyList<Camera> cameras, IReadOnlyList<Intersection> intersections)
    {
        Bounds = bounds;
        UtcOffset = utcOffset;
        BlockMeters = blockMeters;
        Rows = rows;
        Columns = columns;
        Agencies = agencies;
        Cameras = cameras;
        Intersections = intersections;
    }

    public BoundingBox Bounds { get; }

    /// <summary>The offset of the local time that vehicles' routines follow.</summary>
    public TimeSpan UtcOffset { get; }

    public double BlockMeters { get; }

    /// <summary>Grid rows run west to east; row 0 is the southernmost.</summary>
    public int Rows { get; }

    /// <summary>Grid columns run south to north; column 0 is the westernmost.</summary>
    public int Columns { get; }

    public IReadOnlyList<Agency> Agencies { get; }

    /// <summary>Fixed cameras first (with positions), then mobile ones (without).</summary>
    public IReadOnlyList<Camera> Cameras { get; }

    public IReadOnlyList<Intersection> Intersections { get; }
}
