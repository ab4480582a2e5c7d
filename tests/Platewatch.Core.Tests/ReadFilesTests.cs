using System.Text;
using Platewatch.Formats;
using Platewatch.Geo;
using Platewatch.Reads;

namespace Platewatch.Core.Tests;

public sealed class ReadFilesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);

    private static async Task<List<ReadLine>> Parse(string text, ReadFileFormat format)
    {
        using var s = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var list = new List<ReadLine>();
        await foreach (var l in ReadFiles.ParseAsync(s, format, Now, TestContext.Current.CancellationToken)) list.Add(l);
        return list;
    }

    private const string Good = """{"id":"0195f3a0-0000-7000-8000-000000000001","plate":"abc-123","region":"US-WA","confidence":0.9,"capturedAt":"2026-11-20T10:00:00.123Z","location":{"lat":47.6,"lon":-122.3,"accuracy":4},"cameraId":"cam-1","agencyId":"pd"}""";

    [Fact]
    public async Task A_good_json_line_becomes_a_normalised_read_that_keeps_the_raw_text()
    {
        var line = Assert.Single(await Parse(Good, ReadFileFormat.JsonLines));
        Assert.Null(line.Error);
        Assert.Equal("ABC123", line.Read!.Plate);
        Assert.Equal("abc-123", line.Read.PlateRaw);
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T10:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture), line.Read.CapturedAt);
    }

    [Fact]
    public async Task Bad_json_lines_are_reported_with_their_line_numbers_and_good_ones_kept()
    {
        string text = string.Join('\n',
            Good,
            "{not json",
            Good.Replace("0.9", "1.9", StringComparison.Ordinal),
            "",
            Good.Replace("\"cameraId\":\"cam-1\",", "", StringComparison.Ordinal),
            Good.Replace("\"plate\"", "\"plat\"", StringComparison.Ordinal),
            Good.Replace("2026-11-20", "1999-11-20", StringComparison.Ordinal),
            Good.Replace("\"lat\":47.6", "\"lat\":147.6", StringComparison.Ordinal));

        var lines = await Parse(text, ReadFileFormat.JsonLines);

        Assert.NotNull(lines[0].Read);
        var errors = lines.Where(l => l.Error is not null).ToDictionary(l => l.LineNumber, l => l.Error!);
        Assert.Equal([2L, 3, 5, 6, 7, 8], errors.Keys.Order());
        Assert.Contains("JSON", errors[2], StringComparison.Ordinal);
        Assert.Contains("confidence", errors[3], StringComparison.Ordinal);
        Assert.Contains("cameraId", errors[5], StringComparison.Ordinal);
        Assert.Contains("plat", errors[6], StringComparison.Ordinal);
        Assert.Contains("2000", errors[7], StringComparison.Ordinal);
        Assert.Contains("location", errors[8], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_round_trips_through_the_writer()
    {
        var read = new PlateRead
        {
            Id = ReadId.New(Now.AddDays(-1)),
            Plate = "ABC123",
            PlateRaw = "ABC,123",
            Region = "US-OR",
            Confidence = 0.75f,
            Candidates = [new PlateCandidate("A8C123", 0.5f)],
            CapturedAt = Now.AddDays(-1),
            Location = new GeoPoint(45.5, -122.6, 3),
            Heading = 90,
            Vehicle = new VehicleAttributes("car", "blue, dark", null),
            CameraId = "cam-9",
            AgencyId = "pd",
        };
        using var ms = new MemoryStream();
        using (var w = new ReadFileWriter(ms, ReadFileFormat.Csv, ownsStream: false)) w.Write(read);

        var back = Assert.Single(await Parse(Encoding.UTF8.GetString(ms.ToArray()), ReadFileFormat.Csv));

        Assert.Null(back.Error);
        Assert.Equal(read.Id, back.Read!.Id);
        Assert.Equal(read.PlateRaw, back.Read.PlateRaw);
        Assert.Equal("blue, dark", back.Read.Vehicle!.Colour);
        Assert.Equal("A8C123", Assert.Single(back.Read.Candidates).Plate);
        Assert.Equal(read.CapturedAt, back.Read.CapturedAt);
    }

    [Fact]
    public async Task Json_lines_round_trip_through_the_writer()
    {
        var read = new PlateRead
        {
            Id = ReadId.New(Now.AddDays(-1)),
            Plate = "XYZ9",
            Confidence = 0.5f,
            CapturedAt = Now.AddDays(-1),
            Location = new GeoPoint(1, 2, 0),
            CameraId = "c",
            AgencyId = "a",
        };
        using var ms = new MemoryStream();
        using (var w = new ReadFileWriter(ms, ReadFileFormat.JsonLines, ownsStream: false)) w.Write(read);

        var back = Assert.Single(await Parse(Encoding.UTF8.GetString(ms.ToArray()), ReadFileFormat.JsonLines));

        Assert.Null(back.Error);
        Assert.Equal(read.Id, back.Read!.Id);
    }

    [Fact]
    public async Task A_csv_row_with_the_wrong_number_of_fields_is_rejected_by_line()
    {
        var lines = await Parse(ReadFiles.CsvHeader + "\n1,2,3\n", ReadFileFormat.Csv);
        var bad = Assert.Single(lines);
        Assert.Equal(2, bad.LineNumber);
        Assert.Contains("fields", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_csv_file_without_the_header_is_rejected_at_line_one()
    {
        var lines = await Parse("a,b,c\n", ReadFileFormat.Csv);
        Assert.Equal(1, Assert.Single(lines).LineNumber);
    }
}
