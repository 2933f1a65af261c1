using System.Globalization;
using Ledger.App.Trends;
using Ledger.Domain.Results;
using NodaTime;

namespace Ledger.App.Web;

/// <summary>One point of a trend chart: where it is drawn, its shape (by the laboratory's flag) and what it says in words.</summary>
public sealed record ChartPoint(double X, double Y, string Shape, string Css, string Label, TrendPoint Point);

/// <summary>
/// The geometry of a trend chart drawn on the server as SVG: one series (one unit), time along x, value along y, the
/// reference band of the latest value shaded. Shapes by flag: circle normal, triangle up above the range, triangle down
/// below it, diamond otherwise abnormal, square for a flag the ledger does not know, so the chart never relies on colour.
/// </summary>
public sealed class TrendChart
{
    public const double Width = 640;
    public const double Height = 260;
    public const double Left = 56;
    public const double Right = 16;
    public const double Top = 16;
    public const double Bottom = 36;

    private TrendChart(TrendSeries series)
    {
        Series = series;
        var values = series.Points.Select(p => p.Value).ToList();
        var latest = series.Points[^1];
        BandLow = latest.ReferenceLow;
        BandHigh = latest.ReferenceHigh;
        var low = values.Min();
        var high = values.Max();
        if (BandLow is { } bl) { low = Math.Min(low, bl); }
        if (BandHigh is { } bh) { high = Math.Max(high, bh); }
        var margin = high == low ? Math.Max(1m, Math.Abs(high) / 10m) : (high - low) / 10m;
        Min = low - margin;
        Max = high + margin;
        var first = series.Points[0].ObservedAt;
        var last = latest.ObservedAt;
        From = first;
        To = last == first ? first + Duration.FromDays(1) : last;
        Points = series.Points.Select(p =>
        {
            var (shape, css) = ShapeOf(p.Flag);
            var flag = Labels.Flag(p.Flag);
            var label = $"{Labels.Date(p.ObservedAt)}: {Labels.Number(p.Value)} {series.Unit}" + (flag is null ? ", в норме" : ", " + flag);
            return new ChartPoint(XOf(p.ObservedAt), YOf(p.Value), shape, css, label, p);
        }).ToList();
    }

    public TrendSeries Series { get; }

    public decimal Min { get; }

    public decimal Max { get; }

    public Instant From { get; }

    public Instant To { get; }

    public decimal? BandLow { get; }

    public decimal? BandHigh { get; }

    public IReadOnlyList<ChartPoint> Points { get; }

    public static TrendChart Of(TrendSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        return series.Points.Count == 0 ? throw new ArgumentException("a chart needs a point", nameof(series)) : new TrendChart(series);
    }

    /// <summary>The shaded reference band as (y of its top, its height), or null without a range.</summary>
    public (double Y, double H)? Band => BandLow is null && BandHigh is null
        ? null
        : (YOf(BandHigh ?? Max), YOf(BandLow ?? Min) - YOf(BandHigh ?? Max));

    public string Line => string.Join(" ", Points.Select(p => F(p.X) + "," + F(p.Y)));

    public double YOf(decimal value) => Top + (double)((Max - value) / (Max - Min)) * (Height - Top - Bottom);

    public double XOf(Instant at)
    {
        var span = (To - From).TotalSeconds;
        return Series.Points.Count == 1 ? (Left + Width - Right) / 2 : Left + ((at - From).TotalSeconds / span) * (Width - Left - Right);
    }

    /// <summary>An SVG path of <paramref name="shape"/> centred on (x, y).</summary>
    public static string PathOf(string shape, double x, double y, double r = 6) => shape switch
    {
        "circle" => $"M {F(x - r)} {F(y)} a {F(r)} {F(r)} 0 1 0 {F(2 * r)} 0 a {F(r)} {F(r)} 0 1 0 {F(-2 * r)} 0 Z",
        "up" => $"M {F(x)} {F(y - r - 1)} L {F(x + r + 1)} {F(y + r)} L {F(x - r - 1)} {F(y + r)} Z",
        "down" => $"M {F(x)} {F(y + r + 1)} L {F(x + r + 1)} {F(y - r)} L {F(x - r - 1)} {F(y - r)} Z",
        "diamond" => $"M {F(x)} {F(y - r - 1)} L {F(x + r + 1)} {F(y)} L {F(x)} {F(y + r + 1)} L {F(x - r - 1)} {F(y)} Z",
        _ => $"M {F(x - r)} {F(y - r)} h {F(2 * r)} v {F(2 * r)} h {F(-2 * r)} Z",
    };

    public static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static (string Shape, string Css) ShapeOf(string? flag)
    {
        var meaning = flag is not null && AbnormalFlag.TryParse(flag, out var f, out _) ? f.Meaning : FlagMeaning.Normal;
        return meaning switch
        {
            FlagMeaning.Normal => ("circle", "normal"),
            FlagMeaning.High or FlagMeaning.CriticallyHigh => ("up", "high"),
            FlagMeaning.Low or FlagMeaning.CriticallyLow => ("down", "low"),
            FlagMeaning.Abnormal or FlagMeaning.CriticallyAbnormal => ("diamond", "abnormal"),
            _ => ("square", "abnormal"),
        };
    }
}
