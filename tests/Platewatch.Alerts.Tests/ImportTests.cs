using Platewatch.Alerts.Hotlists;

namespace Platewatch.Alerts.Tests;

public sealed class ImportTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 3, 8, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ImportContext Context(CategorySwitches? switches = null) => new("list-1", "pd", "alice", Now, switches ?? CategorySwitches.AllOn);

    [Fact]
    public async Task Csv_imports_good_rows_and_reports_bad_ones_with_line_numbers()
    {
        string csv = """
            plate,region,category,reason,case_number,priority,expires,make,model,colour,type
            ABC-1234,us-wa,stolen-vehicle,Stolen from lot,24-001,70,2027-01-01,Ford,F-150,red,pickup
            ,US-WA,stolen-vehicle,no plate,24-002,,,,,,
            XYZ9,US-WA,stolen-vehicle,,24-003,,,,,,
            XYZ10,US-WA,stolen-vehicle,reason,,,,,,,
            XYZ11,US-WA,stolen-vehicle,reason,24-5,200,,,,,
            XYZ12,US-WA,stolen-vehicle,reason,24-6,,tomorrow,,,,
            XYZ13,US-WA,BAD CATEGORY!,reason,24-7,,,,,,
            AMB1,US-OR,amber,child taken,24-8,,,,,,
            GNG1,,gang,custom category,24-9,10,,,,,
            """;
        var result = await HotlistCsv.ReadAsync(new StringReader(csv), Context(), Ct);
        Assert.Equal(["ABC1234", "AMB1", "GNG1"], result.Entries.Select(e => e.Plate));
        var first = result.Entries[0];
        Assert.Equal(("US-WA", "stolen-vehicle", 70, "24-001", "alice"), (first.Region, first.Category, first.Priority, first.CaseNumber, first.AddedBy));
        Assert.Equal(new VehicleDescription("Ford", "F-150", "red", "pickup"), first.Vehicle);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), first.ExpiresAt);
        Assert.Equal(HotlistCategories.MissingPerson, result.Entries[1].Category);
        Assert.Equal("gang", result.Entries[2].Category);
        Assert.Equal([3L, 4, 5, 6, 7, 8], result.Problems.Select(p => p.Line));
        Assert.Contains("plate", result.Problems[0].Reason, StringComparison.Ordinal);
        Assert.Contains("reason is required", result.Problems[1].Reason, StringComparison.Ordinal);
        Assert.Contains("case number is required", result.Problems[2].Reason, StringComparison.Ordinal);
        Assert.Contains("priority", result.Problems[3].Reason, StringComparison.Ordinal);
        Assert.Contains("expires", result.Problems[4].Reason, StringComparison.Ordinal);
        Assert.Contains("category", result.Problems[5].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_without_the_required_header_is_refused_as_a_whole()
    {
        var ex = await Assert.ThrowsAsync<FormatException>(() => HotlistCsv.ReadAsync(new StringReader("plate,region\nABC,US-WA\n"), Context(), Ct));
        Assert.Contains("category", ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Switched_off_categories_are_not_imported()
    {
        string csv = "plate,category,reason,case_number\nAAA1,immigration-violator,x,1\nBBB2,stolen-plate,y,2\n";
        var switches = new CategorySwitches(new Dictionary<string, IReadOnlySet<string>> { ["pd"] = new HashSet<string> { "immigration-violator" } });
        var result = await HotlistCsv.ReadAsync(new StringReader(csv), Context(switches), Ct);
        Assert.Equal("BBB2", Assert.Single(result.Entries).Plate);
        Assert.Equal(1, result.SwitchedOff);
        Assert.Empty(result.Problems);
    }

    private static string Fixed(string file, string plate, string state, string nic, string entered, string expires, string make = "", string colour = "", string style = "", string remarks = "") =>
        file.PadRight(2) + plate.PadRight(10) + state.PadRight(2) + nic.PadRight(10) + entered.PadRight(8) + expires.PadRight(8) + make.PadRight(4) + colour.PadRight(3) + style.PadRight(2) + remarks;

    [Fact]
    public async Task Ncic_fixed_width_default_layout_with_bad_rows()
    {
        string text = string.Join('\n',
            Fixed("SV", "5SOW750", "CA", "V123456789", "20261001", "20271001", "HOND", "BLK", "4D", "stolen at gunpoint"),
            Fixed("LP", "ABC 123", "WA", "L000000001", "20261101", ""),
            Fixed("XX", "ZZZ1", "WA", "X1", "20261101", ""),
            Fixed("SV", "", "WA", "X2", "20261101", ""),
            Fixed("SV", "QQQ1", "WA", "X3", "2026-11-01", ""),
            Fixed("SV", "MOTO1", "W1", "X4", "20261101", ""),
            Fixed("IV", "IMM1", "TX", "I1", "20261101", ""),
            Fixed("SV", "NONIC", "WA", "", "20261101", ""));
        var switches = new CategorySwitches(new Dictionary<string, IReadOnlySet<string>> { ["pd"] = new HashSet<string> { "immigration-violator" } });
        var result = await NcicImport.ReadAsync(new StringReader(text), NcicLayout.Default, Context(switches), Ct);
        Assert.Equal(["5SOW750", "ABC123"], result.Entries.Select(e => e.Plate));
        var sv = result.Entries[0];
        Assert.Equal(("US-CA", HotlistCategories.StolenVehicle, "V123456789", "stolen at gunpoint"), (sv.Region, sv.Category, sv.CaseNumber, sv.Reason));
        Assert.Equal(new VehicleDescription("HOND", null, "BLK", "4D"), sv.Vehicle);
        Assert.Equal(new DateTimeOffset(2027, 10, 1, 0, 0, 0, TimeSpan.Zero), sv.ExpiresAt);
        Assert.Equal("NCIC stolen plate file", result.Entries[1].Reason);
        Assert.Equal([3L, 4, 5, 6, 8], result.Problems.Select(p => p.Line));
        Assert.Contains("file code 'XX'", result.Problems[0].Reason, StringComparison.Ordinal);
        Assert.Contains("plate", result.Problems[1].Reason, StringComparison.Ordinal);
        Assert.Contains("YYYYMMDD", result.Problems[2].Reason, StringComparison.Ordinal);
        Assert.Contains("state", result.Problems[3].Reason, StringComparison.Ordinal);
        Assert.Contains("NIC", result.Problems[4].Reason, StringComparison.Ordinal);
        Assert.Equal(1, result.SwitchedOff);
    }

    [Fact]
    public async Task Ncic_delimited_layout_from_json_mapping()
    {
        var layout = NcicLayout.FromJson("""
            { "delimiter": "|", "skipLines": 1,
              "fields": { "file": {"start": 1}, "plate": {"start": 3}, "state": {"start": 2}, "nic": {"start": 4},
                          "entered": {"start": 5}, "expires": {"start": 6}, "make": {"start": 7}, "colour": {"start": 8}, "style": {"start": 9}, "remarks": {"start": 10} },
              "fileCodes": { "VEH": "stolen-vehicle" } }
            """);
        string text = "FILE|ST|LIC|NIC|DOE|EXP|VMA|VCO|VST|MIS\nVEH|OR|XYZ123|V9|20261001||FORD|RED|SU|\nVEH|OR||V10|20261001|||||\n";
        var result = await NcicImport.ReadAsync(new StringReader(text), layout, Context(), Ct);
        var e = Assert.Single(result.Entries);
        Assert.Equal(("XYZ123", "US-OR", "V9", "stolen-vehicle"), (e.Plate, e.Region, e.CaseNumber, e.Category));
        Assert.Equal(3, Assert.Single(result.Problems).Line);
    }

    [Fact]
    public void A_bad_layout_names_the_field()
    {
        var ex = Assert.Throws<FormatException>(() => NcicLayout.FromJson("""{"fields":{"plate":{"start":0,"length":3}}}"""));
        Assert.Contains("'plate'", ex.Message, StringComparison.Ordinal);
    }
}
