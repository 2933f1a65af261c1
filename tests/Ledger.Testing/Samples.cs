using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using NodaTime;

namespace Ledger.Testing;

/// <summary>Deterministic domain values shared by the tests. Known-valid identifiers come from the specification.</summary>
public static class Samples
{
    public static readonly Instant Now = Instant.FromUtc(2025, 3, 14, 9, 0);
    public static readonly LocalDate Today = new(2025, 3, 14);

    public static readonly PatientId Patient = new(Guid.Parse("11111111-1111-1111-1111-111111111111"));
    public static readonly OrganizationId Lab = new(Guid.Parse("22222222-2222-2222-2222-222222222222"));
    public static readonly OrganizationId Clinic = new(Guid.Parse("33333333-3333-3333-3333-333333333333"));
    public static readonly DocumentId Document = new(Guid.Parse("44444444-4444-4444-4444-444444444444"));
    public static readonly DocumentId OtherDocument = new(Guid.Parse("45454545-4545-4545-4545-454545454545"));
    public static readonly ConsentId Consent = new(Guid.Parse("55555555-5555-5555-5555-555555555555"));
    public static readonly ActorId Doctor = new(Guid.Parse("66666666-6666-6666-6666-666666666666"));

    public static readonly FullName PatientName = FullName.Create("Иванова", "Мария", "Петровна");
    public static readonly FullName DoctorName = FullName.Create("Петров", "Сергей", "Андреевич");
    public static readonly BirthDate BirthDate = BirthDate.Create(new LocalDate(1984, 6, 2), Today);
    public static readonly Snils Snils = Snils.Parse("112-233-445 95");
    public static readonly Snils DoctorSnils = Snils.Parse("001-437-544 00");
    public static readonly Enp Enp = Enp.Parse("7700000012345678");
    public static readonly Email Email = Email.Parse("maria@example.org");
    public static readonly PhoneNumber Phone = PhoneNumber.Parse("+7 916 123-45-67");
    public static readonly Inn Inn = Inn.Parse("7707083893");
    public static readonly Ogrn Ogrn = Ogrn.Parse("1027700132195");
    public static readonly string Oid = "1.2.643.5.1.13.13.12.2.77.7973";
    public static readonly LoincCode Glucose = LoincCode.Parse("2345-7");
    public static readonly LoincCode Hemoglobin = LoincCode.Parse("718-7");
    public static readonly UcumUnit MmolPerLitre = UcumUnit.Parse("mmol/L");
    public static readonly UcumUnit GramsPerLitre = UcumUnit.Parse("g/L");
    public static readonly PatientRef ResolvedPatient = PatientRef.Resolved(Patient);
    public static readonly string Digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    public static LabReport LabReport(decimal glucose = 5.4m) => new(
        OrderNumber: "ORD-2025-000123",
        SpecimenNumber: "SP-778899",
        CollectedAt: Instant.FromUtc(2025, 3, 13, 6, 30),
        IssuedAt: Instant.FromUtc(2025, 3, 13, 14, 5),
        Performer: Lab,
        ResponsibleSpecialist: "Смирнова О. В.",
        Panels:
        [
            new LabPanel(
                ObservationCode.Local("urn:oid:1.2.643.5.1.13.13.11.1080", "B03.016.004"),
                "Биохимический анализ крови",
                [
                    new LabObservation(
                        ObservationCode.Loinc(Glucose), "Глюкоза", glucose, null, MmolPerLitre,
                        new ReferenceRange(3.9m, 6.1m, null), AbnormalFlag.Parse("N"), ObservationStatus.Final, null),
                    new LabObservation(
                        ObservationCode.Loinc(Hemoglobin), "Гемоглобин", 112m, null, GramsPerLitre,
                        new ReferenceRange(120m, 140m, "120–140 g/L"), AbnormalFlag.Parse("L"), ObservationStatus.Final,
                        "Повторить через месяц"),
                    new LabObservation(
                        ObservationCode.Local("urn:lab:local", "HBSAG"), "HBsAg", null, "не обнаружено", null,
                        new ReferenceRange(null, null, "не обнаружено"), null, ObservationStatus.Preliminary, null),
                ]),
        ],
        Comment: null);

    public static InstrumentalStudy Study() => new(
        Modality.US,
        "Брюшная полость",
        Instant.FromUtc(2025, 3, 12, 10, 0),
        "Печень не увеличена, контуры ровные.",
        "Эхопризнаков патологии не выявлено.",
        "Контроль через 12 месяцев.",
        "Кузнецов А. А.",
        [
            new Attachment(
                ContentHash.Parse("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
                AttachmentContentType.Pdf,
                48213,
                "protocol.pdf"),
        ]);

    public static VisitProtocol Visit() => new(
        Instant.FromUtc(2025, 3, 11, 8, 15),
        "Петров С. А.",
        "терапевт",
        ["Осмотр", "Измерение АД"],
        ["Общий анализ крови"],
        [new PrescribedMedicine("Аторвастатин", "10 mg", "1 раз в день вечером")],
        "Контроль липидного профиля через 3 месяца.");

    public static Vaccination Vaccination() => new(new LocalDate(2025, 2, 20), "Гам-КОВИД-Вак", "I-120225", "НИЦЭМ им. Гамалеи", 1, Clinic);
}
