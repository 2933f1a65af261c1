using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Task = System.Threading.Tasks.Task;
using Ledger.App.MedicalCard;

namespace Ledger.App.Fhir.Resources;

/// <summary>
/// The medical card («Медкарта») as FHIR: <c>Condition</c> and <c>AllergyIntolerance</c>, one resource per card entry
/// (the id is the entry id), from <see cref="MedicalCardQueries"/>. A clinic-delivered entry and a patient-reported one
/// are two resources, never merged, told apart by <c>recorder</c>/<c>asserter</c>: the patient's own report has both
/// set to the <c>Patient</c>; a clinic's entry has <c>recorder</c> naming the delivering organisation (its ledger
/// identifier and name, with the recorder's name as delivered) and <c>asserter</c> as delivered. An entry recorded in
/// error is left out of searches and <c>$everything</c>; read by its id it answers with <c>verificationStatus</c>
/// <c>entered-in-error</c> (and no <c>clinicalStatus</c>, as FHIR requires). No consent scope covers the card (scopes
/// name documents), so a share link does not read it.
/// </summary>
public abstract class MedicalCardResource(MedicalCardQueries queries, FhirDocuments documents) : IFhirResourceType
{
    public const string DataAbsentReason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

    public abstract ResourceType Type { get; }

    /// <summary>The card's kind of entry this type serves (<c>condition</c> or <c>allergy</c>).</summary>
    protected abstract string Kind { get; }

    /// <summary>The clinical status codes of the type's value set (a search value outside them matches nothing).</summary>
    protected abstract string ClinicalStatusSystem { get; }

    public IReadOnlyList<FhirSearchParameter> SearchParameters => [new("clinical-status", SearchParamType.Token, $"The clinical status: code or {ClinicalStatusSystem}|code; several values separated by commas match any. Entries recorded in error are never matched.")];

    public bool SharedWithLinks => false;

    public async Task<Resource?> ReadAsync(FhirReader reader, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Guid.TryParseExact(id, "D", out var entryId) && await queries.FindAsync(reader.Patient.Value, entryId, cancellationToken) is { } entry && entry.Kind == Kind
            ? await MapAsync(reader, entry, cancellationToken)
            : null;
    }

    public async Task<FhirPage> SearchAsync(FhirReader reader, FhirSearch search, IReadOnlyList<string> includes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        IEnumerable<MedicalCardEntry> matching = await EntriesAsync(reader, cancellationToken);
        foreach (var value in search.Values("clinical-status"))
        {
            var codes = value.Split(',').Select(t => t.Contains('|', StringComparison.Ordinal) ? (t.StartsWith(ClinicalStatusSystem + "|", StringComparison.Ordinal) ? t[(ClinicalStatusSystem.Length + 1)..] : null) : t).OfType<string>().ToHashSet(StringComparer.Ordinal);
            matching = matching.Where(e => e.ClinicalStatus is { } status && codes.Contains(status));
        }

        var all = matching.ToList();
        var page = new List<Resource>();
        foreach (var entry in all.Skip(search.Offset).Take(search.Count))
        {
            page.Add(await MapAsync(reader, entry, cancellationToken));
        }

        return new FhirPage(page, all.Count);
    }

    public async Task<IReadOnlyList<Resource>> EverythingAsync(FhirReader reader, CancellationToken cancellationToken)
    {
        var all = new List<Resource>();
        foreach (var entry in await EntriesAsync(reader, cancellationToken))
        {
            all.Add(await MapAsync(reader, entry, cancellationToken));
        }

        return all;
    }

    /// <summary>The reader's entries of this kind on the card, not recorded in error, in the order they were recorded.</summary>
    public async Task<IReadOnlyList<MedicalCardEntry>> EntriesAsync(FhirReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsPatient
            ? [.. (await queries.ListAsync(reader.Patient.Value, null, includeEnteredInError: false, cancellationToken)).Where(e => e.Kind == Kind)]
            : [];
    }

    protected abstract Resource Map(FhirReader reader, MedicalCardEntry entry, ResourceReference? recorder, ResourceReference? asserter);

    private async Task<Resource> MapAsync(FhirReader reader, MedicalCardEntry entry, CancellationToken cancellationToken)
    {
        ResourceReference? recorder, asserter;
        if (entry.Source == "patient")
        {
            recorder = FhirDocuments.PatientReference(reader);
            asserter = FhirDocuments.PatientReference(reader);
        }
        else
        {
            recorder = await documents.OrganizationAsync(entry.OrganizationId!.Value, cancellationToken);
            if (entry.Recorder is { Length: > 0 } name)
            {
                recorder.Display = recorder.Display is { Length: > 0 } organization ? $"{name} ({organization})" : name;
            }

            asserter = entry.Asserter is { Length: > 0 } a ? new ResourceReference { Display = a } : null;
        }

        var resource = Map(reader, entry, recorder, asserter);
        resource.Id = entry.EntryId.ToString("D");
        resource.Meta = new Meta { VersionId = (entry.Corrections + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), LastUpdated = entry.UpdatedAt.ToDateTimeOffset() };
        return resource;
    }

    /// <summary>The entry's code and text as a concept (the code as delivered, with its system).</summary>
    protected static CodeableConcept Code(MedicalCardEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var concept = new CodeableConcept { Text = entry.Text ?? entry.CodeDisplay };
        if (entry.Code is { Length: > 0 } code)
        {
            concept.Coding.Add(new Coding(entry.CodeSystem, code, entry.CodeDisplay));
        }

        return concept;
    }

    /// <summary>A status: a coding of <paramref name="system"/> when the code is one of <paramref name="codes"/>, its text otherwise.</summary>
    protected static CodeableConcept? Status(string? value, string system, IReadOnlyCollection<string> codes) =>
        value is null ? null : codes.Contains(value) ? new CodeableConcept(system, value) : new CodeableConcept { Text = value };

    protected static DataType? Onset(MedicalCardEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Onset is { } d ? new FhirDateTime(d.Year, d.Month, d.Day) : entry.OnsetText is { Length: > 0 } text ? new FhirString(text) : null;
    }

    protected static List<Annotation> Note(MedicalCardEntry entry) =>
        entry?.Note is { Length: > 0 } note ? [new Annotation { Text = new Markdown(note) }] : [];

    protected static FhirDateTime Recorded(MedicalCardEntry entry) => new((entry ?? throw new ArgumentNullException(nameof(entry))).RecordedAt.ToDateTimeOffset());
}

/// <summary><c>Condition</c>: a condition (diagnosis) on the medical card.</summary>
public sealed class ConditionResource(MedicalCardQueries queries, FhirDocuments documents) : MedicalCardResource(queries, documents)
{
    private static readonly string[] Clinical = ["active", "recurrence", "relapse", "inactive", "remission", "resolved"];
    private static readonly string[] Verification = ["unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"];
    private static readonly string[] Categories = ["problem-list-item", "encounter-diagnosis"];

    public override ResourceType Type => ResourceType.Condition;

    protected override string Kind => "condition";

    protected override string ClinicalStatusSystem => "http://terminology.hl7.org/CodeSystem/condition-clinical";

    protected override Resource Map(FhirReader reader, MedicalCardEntry entry, ResourceReference? recorder, ResourceReference? asserter) => new Condition
    {
        ClinicalStatus = entry.EnteredInError ? null : Status(entry.ClinicalStatus, ClinicalStatusSystem, Clinical),
        VerificationStatus = Status(entry.EnteredInError ? "entered-in-error" : entry.VerificationStatus, "http://terminology.hl7.org/CodeSystem/condition-ver-status", Verification),
        Category = entry.Category is { } category ? [Status(category, "http://terminology.hl7.org/CodeSystem/condition-category", Categories)!] : [],
        Code = Code(entry),
        Subject = FhirDocuments.PatientReference(reader),
        Onset = Onset(entry),
        RecordedDateElement = Recorded(entry),
        Recorder = recorder,
        Asserter = asserter,
        Note = Note(entry),
    };
}

/// <summary><c>AllergyIntolerance</c>: an allergy or intolerance on the medical card.</summary>
public sealed class AllergyIntoleranceResource(MedicalCardQueries queries, FhirDocuments documents) : MedicalCardResource(queries, documents)
{
    private static readonly string[] Clinical = ["active", "inactive", "resolved"];
    private static readonly string[] Verification = ["unconfirmed", "confirmed", "refuted", "entered-in-error"];

    public override ResourceType Type => ResourceType.AllergyIntolerance;

    protected override string Kind => "allergy";

    protected override string ClinicalStatusSystem => "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";

    protected override Resource Map(FhirReader reader, MedicalCardEntry entry, ResourceReference? recorder, ResourceReference? asserter)
    {
        var allergy = new AllergyIntolerance
        {
            ClinicalStatus = entry.EnteredInError ? null : Status(entry.ClinicalStatus, ClinicalStatusSystem, Clinical),
            VerificationStatus = Status(entry.EnteredInError ? "entered-in-error" : entry.VerificationStatus, "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", Verification),
            Type = EnumUtility.ParseLiteral<AllergyIntolerance.AllergyIntoleranceType>(entry.AllergyType),
            Category = [.. (entry.Category ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(c => EnumUtility.ParseLiteral<AllergyIntolerance.AllergyIntoleranceCategory>(c)).Where(c => c is not null)],
            Criticality = EnumUtility.ParseLiteral<AllergyIntolerance.AllergyIntoleranceCriticality>(entry.Criticality),
            Code = Code(entry),
            Patient = FhirDocuments.PatientReference(reader),
            Onset = Onset(entry),
            RecordedDateElement = Recorded(entry),
            Recorder = recorder,
            Asserter = asserter,
            Note = Note(entry),
        };
        if (!entry.EnteredInError && allergy.ClinicalStatus is null)
        {
            // FHIR requires a clinical status unless the entry was entered in error: say it was not given.
            allergy.ClinicalStatus = new CodeableConcept();
            allergy.ClinicalStatus.Extension.Add(new Extension(DataAbsentReason, new Code("unknown")));
        }

        if (entry.Reaction is { Length: > 0 } reaction)
        {
            allergy.Reaction.Add(new AllergyIntolerance.ReactionComponent { Manifestation = [.. reaction.Split("; ").Select(m => new CodeableConcept { Text = m })] });
        }

        return allergy;
    }
}
