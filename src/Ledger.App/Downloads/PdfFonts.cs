using PdfSharp.Fonts;

namespace Ledger.App.Downloads;

/// <summary>
/// The settings of downloads (configuration section <c>Ledger:Downloads</c>, documented in docs/downloads.md): the
/// directory holding the DejaVu Sans fonts the PDFs embed.
/// </summary>
public sealed record DownloadSettings(string FontDirectory)
{
    public const string Section = "Ledger:Downloads";
    public const string FontDirectoryKey = Section + ":FontDirectory";
    public const string DefaultFontDirectory = "/usr/share/fonts/truetype/dejavu";

    /// <summary>More documents than this in one download are refused (400 naming <c>document</c>).</summary>
    public const int MaxDocuments = 100;

    public static DownloadSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new(configuration[FontDirectoryKey] is { Length: > 0 } directory ? directory : DefaultFontDirectory);
    }
}

/// <summary>
/// Resolves every face the PDFs use to DejaVu Sans (regular and bold) from a directory, so that the fonts are
/// embedded and Cyrillic text stays extractable. PDFsharp holds one resolver per process: the first directory given
/// is the one used (<see cref="Install"/>).
/// </summary>
public sealed class PdfFonts : IFontResolver
{
    public const string Family = "DejaVu Sans";
    private const string Regular = "DejaVuSans.ttf";
    private const string Bold = "DejaVuSans-Bold.ttf";

    private static readonly Lock Gate = new();
    private static PdfFonts? installed;
    private readonly Dictionary<string, byte[]> faces;

    private PdfFonts(string directory)
    {
        Directory = directory;
        faces = new(StringComparer.Ordinal)
        {
            [Regular] = Read(directory, Regular),
            [Bold] = Read(directory, Bold),
        };
    }

    public string Directory { get; }

    /// <summary>Installs the resolver for <paramref name="directory"/> (once per process); a missing font names the setting.</summary>
    public static PdfFonts Install(string directory)
    {
        foreach (var file in new[] { Regular, Bold })
        {
            _ = Path.Exists(Path.Combine(directory, file)) ? file : throw Missing(directory, file);
        }

        lock (Gate)
        {
            if (installed is null)
            {
                installed = new PdfFonts(directory);
                GlobalFontSettings.FontResolver = installed;
            }

            return installed;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) => new(bold ? Bold : Regular);

    public byte[]? GetFont(string faceName) => faces.TryGetValue(faceName, out var bytes) ? bytes : null;

    private static byte[] Read(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        return File.Exists(path) ? File.ReadAllBytes(path) : throw Missing(directory, file);
    }

    private static InvalidOperationException Missing(string directory, string file) => new(
        $"the PDF font {file} is not in {directory}: install fonts-dejavu-core or set {DownloadSettings.FontDirectoryKey} (environment variable Ledger__Downloads__FontDirectory) to a directory holding {Regular} and {Bold}");
}
