using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Ledger.App.Downloads;

/// <summary>
/// A top-to-bottom writer of A4 pages: headings, wrapped paragraphs, label/value lines and tables, a new page when
/// the current one is full, and a footer on every page once the document is complete.
/// </summary>
internal sealed class PdfLayout : IDisposable
{
    private const double Margin = 42;
    private const double FooterHeight = 28;
    private static readonly XFont Body = new(PdfFonts.Family, 9, XFontStyleEx.Regular);
    private static readonly XFont BodyBold = new(PdfFonts.Family, 9, XFontStyleEx.Bold);
    private static readonly XFont Small = new(PdfFonts.Family, 7.5, XFontStyleEx.Regular);
    private static readonly XFont TitleFont = new(PdfFonts.Family, 14, XFontStyleEx.Bold);
    private static readonly XFont HeadingFont = new(PdfFonts.Family, 11, XFontStyleEx.Bold);

    private readonly PdfDocument document;
    private XGraphics? graphics;
    private double y;

    public PdfLayout(PdfDocument document) => this.document = document;

    private XGraphics G => graphics ?? throw new InvalidOperationException("no page is open");

    private double Width => PageWidth - 2 * Margin;

    private static double PageWidth => 595.28;

    private static double PageHeight => 841.89;

    /// <summary>Starts a new page (each document of a selection starts on its own).</summary>
    public void NewPage()
    {
        graphics?.Dispose();
        var page = document.AddPage();
        page.Width = XUnit.FromPoint(PageWidth);
        page.Height = XUnit.FromPoint(PageHeight);
        graphics = XGraphics.FromPdfPage(page);
        y = Margin;
    }

    public void Title(string text) => Paragraph(text, TitleFont, after: 6);

    public void Heading(string text)
    {
        Space(6);
        Paragraph(text, HeadingFont, after: 3);
    }

    public void Text(string text) => Paragraph(text, Body, after: 3);

    public void Muted(string text) => Paragraph(text, Small, after: 3);

    public void Space(double points) => y += points;

    /// <summary>Label and value pairs, two columns.</summary>
    public void Facts(IEnumerable<(string Label, string? Value)> facts)
    {
        foreach (var (label, value) in facts.Where(f => f.Value is { Length: > 0 }))
        {
            Row([label, value!], [0.28, 0.72], bold: 0);
        }

        Space(3);
    }

    /// <summary>A table: a bold header row, then the rows; each cell wraps within its column (fractions of the width).</summary>
    public void Table(IReadOnlyList<string> header, IReadOnlyList<double> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        Row(header, columns, bold: -1, line: true);
        foreach (var row in rows)
        {
            Row(row, columns, bold: 0);
        }

        Space(4);
    }

    /// <summary>Writes <paramref name="footer"/> (with the page number) at the bottom of every page.</summary>
    public void Footers(string footer)
    {
        graphics?.Dispose();
        graphics = null;
        for (var i = 0; i < document.PageCount; i++)
        {
            using var g = XGraphics.FromPdfPage(document.Pages[i], XGraphicsPdfPageOptions.Append);
            var top = PageHeight - Margin + 6;
            g.DrawLine(XPens.Gray, Margin, top - 4, PageWidth - Margin, top - 4);
            g.DrawString($"{footer} · стр. {i + 1} из {document.PageCount}", Small, XBrushes.DimGray, new XRect(Margin, top, Width, 10), XStringFormats.TopLeft);
        }
    }

    public void Dispose() => graphics?.Dispose();

    /// <summary>
    /// One row of cells. <paramref name="bold"/>: -1 every cell bold (a header), 0 the first cell bold (the row's name).
    /// </summary>
    private void Row(IReadOnlyList<string> cells, IReadOnlyList<double> columns, int bold, bool line = false)
    {
        if (graphics is null)
        {
            NewPage();
        }

        var lines = new List<IReadOnlyList<string>>();
        for (var i = 0; i < columns.Count; i++)
        {
            var font = bold == -1 || (bold == 0 && i == 0) ? BodyBold : Body;
            lines.Add(Wrap(i < cells.Count ? cells[i] : string.Empty, font, columns[i] * Width - 4));
        }

        var height = lines.Max(l => l.Count) * LineHeight(Body) + 3;
        Ensure(height);
        var x = Margin;
        for (var i = 0; i < columns.Count; i++)
        {
            var font = bold == -1 || (bold == 0 && i == 0) ? BodyBold : Body;
            var lineY = y;
            foreach (var text in lines[i])
            {
                G.DrawString(text, font, XBrushes.Black, new XRect(x, lineY, columns[i] * Width, LineHeight(font)), XStringFormats.TopLeft);
                lineY += LineHeight(font);
            }

            x += columns[i] * Width;
        }

        y += height;
        if (line)
        {
            G.DrawLine(XPens.Gray, Margin, y - 1, Margin + Width, y - 1);
            y += 2;
        }
    }

    private void Paragraph(string text, XFont font, double after)
    {
        if (graphics is null)
        {
            NewPage();
        }

        foreach (var line in Wrap(text, font, Width))
        {
            Ensure(LineHeight(font));
            G.DrawString(line, font, XBrushes.Black, new XRect(Margin, y, Width, LineHeight(font)), XStringFormats.TopLeft);
            y += LineHeight(font);
        }

        y += after;
    }

    private void Ensure(double height)
    {
        if (graphics is null || y + height > PageHeight - Margin - FooterHeight)
        {
            NewPage();
        }
    }

    private static double LineHeight(XFont font) => font.Size * 1.35;

    /// <summary>Breaks text into lines no wider than <paramref name="width"/>, at spaces (a word wider than a line is cut).</summary>
    private List<string> Wrap(string text, XFont font, double width)
    {
        var result = new List<string>();
        foreach (var paragraph in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var current = string.Empty;
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = current.Length == 0 ? word : current + " " + word;
                if (Measure(candidate, font) <= width)
                {
                    current = candidate;
                    continue;
                }

                if (current.Length > 0)
                {
                    result.Add(current);
                }

                current = word;
                while (current.Length > 1 && Measure(current, font) > width)
                {
                    var cut = current.Length - 1;
                    while (cut > 1 && Measure(current[..cut], font) > width)
                    {
                        cut--;
                    }

                    result.Add(current[..cut]);
                    current = current[cut..];
                }
            }

            result.Add(current);
        }

        return result;
    }

    private double Measure(string text, XFont font) => G.MeasureString(text, font).Width;
}
