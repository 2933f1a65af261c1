using Ledger.App.AccessJournal;
using Ledger.App.Audit;
using Ledger.App.Cabinet;
using Ledger.App.Compliance;
using Ledger.App.Consents;
using Ledger.App.Downloads;
using Ledger.App.Fhir;
using Ledger.App.Health;
using Ledger.App.Identity;
using Ledger.App.Ingestion;
using Ledger.App.MedicalCard;
using Ledger.App.Organizations;
using Ledger.App.Patients;
using Ledger.App.Web;

namespace Ledger.App.Hosting;

/// <summary>Every feature of the ledger, in one explicit list.</summary>
public static class LedgerFeatures
{
    public static IReadOnlyList<ILedgerFeature> All { get; } =
    [
        new HealthFeature(),
        new PatientsFeature(),
        new OrganizationsFeature(),
        new IngestionFeature(),
        new ConsentsFeature(),
        new CabinetFeature(),
        new MedicalCardFeature(),
        new AccessJournalFeature(),
        new AuditFeature(),
        new ComplianceFeature(),
        new WebFeature(),
        new IdentityFeature(),
        new FhirFeature(),
        new DownloadsFeature(),
    ];
}
