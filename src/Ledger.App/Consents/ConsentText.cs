namespace Ledger.App.Consents;

/// <summary>Stable texts of domain values as the read models store them.</summary>
public static class ConsentText
{
    public static string Type(Domain.Results.DocumentType type) => type switch
    {
        Domain.Results.DocumentType.LabReport => "labReport",
        Domain.Results.DocumentType.InstrumentalStudy => "instrumentalStudy",
        Domain.Results.DocumentType.VisitProtocol => "visitProtocol",
        Domain.Results.DocumentType.Vaccination => "vaccination",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
