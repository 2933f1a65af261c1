using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ledger.App.Cabinet;
using Ledger.App.MedicalCard;
using Ledger.App.Web;
using Ledger.Domain.Results;
using NodaTime;
using PdfSharp.Pdf;

namespace Ledger.App.Downloads;

/// <summary>A document chosen for a download: its state as read from its stream, its version, and how the API shows it.</summary>
public sealed record DownloadDocument(ResultState State, long StreamVersion, DocumentDetail Detail)
{
    public Guid Id => State.DocumentId.Value;

    /// <summary>The document's clinical time (collection, study, visit, vaccination date).</summary>
    public Instant EventAt => CabinetContent.Of(Detail.Content).EventAt;

    /// <summary>The document's number as the organisation gave it (the order number of a lab result), else the ledger's id.</summary>
    public string Number => Detail.Content switch
    {
        LabReport lab => lab.OrderNumber,
        Vaccination { Series: { Length: > 0 } series } => series,
        _ => Id.ToString("D"),
    };
}

/// <summary>
/// Renders documents and the medical card as PDF with PDFsharp: DejaVu Sans embedded (Cyrillic extractable), the
/// Russian labels of the pages, a header per document and a footer naming the signing key. The same ledger state gives
/// the same bytes: the creation date is the latest clinical time of the content and the file identifier a hash of
/// what was rendered (document ids and stream versions), so a signature fetched later is of the same file.
/// </summary>
public sealed partial class DocumentPdf
{
    private readonly string keyId;

    public DocumentPdf(DownloadSettings settings, FileSigner signer, ILogger<DocumentPdf>? log = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(signer);
        try
        {
            PdfFonts.Install(settings.FontDirectory);
        }
        catch (InvalidOperationException e)
        {
            // The message names a directory and the setting, no personal data: the operator needs it in the log.
            log?.LogError("PDF downloads cannot start: {Reason}", e.Message);
            throw;
        }

        keyId = signer.KeyId;
    }

    /// <summary>One PDF of the documents, each from a new page, in the order given.</summary>
    public byte[] Documents(string patient, IReadOnlyList<DownloadDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var identity = "documents|" + string.Join(",", documents.Select(d => $"{d.Id:N}@{d.StreamVersion}"));
        return Render(identity, documents.Count == 1 ? Labels.Type(documents[0].Detail.DocumentType) + " " + documents[0].Number : $"Документы ({documents.Count})",
            documents.Select(d => d.EventAt).DefaultIfEmpty(Instant.FromUtc(2000, 1, 1, 0, 0)).Max(), layout =>
            {
                foreach (var document in documents)
                {
                    layout.NewPage();
                    Write(layout, patient, document);
                }
            });
    }

    /// <summary>The «Медкарта»: conditions, allergies (patient-reported entries marked) and vaccinations.</summary>
    public byte[] MedicalCard(string patient, MedicalCardView card, IReadOnlyList<DownloadDocument> vaccinations)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(vaccinations);
        var entries = card.Conditions.Concat(card.Allergies).ToList();
        var identity = "medical-card|" + string.Join(",", entries.Select(e => $"{e.EntryId:N}@{e.UpdatedAt.ToUnixTimeTicks()}"))
            + "|" + string.Join(",", vaccinations.Select(d => $"{d.Id:N}@{d.StreamVersion}"));
        var latest = entries.Select(e => e.UpdatedAt).Concat(vaccinations.Select(v => v.EventAt)).DefaultIfEmpty(Instant.FromUtc(2000, 1, 1, 0, 0)).Max();
        return Render(identity, "Медкарта", latest, layout =>
        {
            layout.NewPage();
            layout.Title("Медкарта");
            layout.Facts([("Пациент", patient), ("Состояние на", Labels.DateTime(latest))]);
            layout.Heading("Хронические заболевания и диагнозы");
            CardTable(layout, card.Conditions, "Заболеваний нет.");
            layout.Heading("Аллергии");
            CardTable(layout, card.Allergies, "Аллергий нет.");
            layout.Heading("Прививки");
            if (vaccinations.Count == 0)
            {
                layout.Muted("Прививок нет.");
            }
            else
            {
                layout.Table(["Вакцина", "Дата", "Доза", "Серия", "Организация"], [0.34, 0.14, 0.08, 0.16, 0.28], vaccinations.Select(v =>
                {
                    var vaccination = (Vaccination)v.Detail.Content;
                    return (IReadOnlyList<string>)[vaccination.Vaccine, Labels.Date(vaccination.Date), vaccination.DoseNumber.ToString(CultureInfo.InvariantCulture), vaccination.Series ?? "—", v.Detail.OrganizationName ?? "—"];
                }));
            }

            layout.Muted("«Со слов пациента» — запись, которую пациент добавил сам; она не подтверждена организацией и хранится отдельно от сведений, переданных клиниками.");
        });
    }

    private static void CardTable(PdfLayout layout, IReadOnlyList<MedicalCardEntry> entries, string none)
    {
        if (entries.Count == 0)
        {
            layout.Muted(none);
            return;
        }

        layout.Table(["Запись", "Код", "Статус", "С", "Источник"], [0.36, 0.16, 0.14, 0.12, 0.22], entries.Select(e => (IReadOnlyList<string>)
        [
            string.Join(". ", new[] { e.Text ?? e.CodeDisplay ?? e.Code ?? "—", e.Reaction is null ? null : "реакция: " + e.Reaction, e.Note }.OfType<string>()),
            e.Code ?? "—",
            e.ClinicalStatus ?? "—",
            e.Onset is { } onset ? Labels.Date(onset) : e.OnsetText ?? "—",
            e.Source == "patient" ? "со слов пациента" : e.OrganizationName ?? "организация",
        ]));
    }

    private byte[] Render(string identity, string title, Instant created, Action<PdfLayout> write)
    {
        using var document = new PdfDocument();
        document.Info.Title = title;
        document.Info.Creator = "Ledger «Моё здоровье»";
        document.Info.CreationDate = created.ToDateTimeUtc();
        document.Info.ModificationDate = created.ToDateTimeUtc();
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(identity + "|" + keyId));
        var id = new string([.. digest.AsSpan(0, 16).ToArray().Select(b => (char)b)]);
        document.Internals.FirstDocumentID = id;
        document.Internals.SecondDocumentID = id;
        using (var layout = new PdfLayout(document))
        {
            write(layout);
            layout.Footers($"Подписано цифровой подписью реестра, ключ {keyId} (проверка: docs/downloads.md)");
        }

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return Settle(output.ToArray(), digest);
    }

    /// <summary>
    /// PDFsharp writes random UUIDs into the XMP metadata (<c>xmpMM:DocumentID</c>, <c>InstanceID</c>) and may tag font
    /// subsets at random: they are replaced in place by values derived from <paramref name="digest"/>, of the same
    /// length, so that no offset of the cross-reference table moves and the same state gives the same bytes.
    /// </summary>
    private static byte[] Settle(byte[] pdf, byte[] digest)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var counter = 0;
        text = RandomUuid().Replace(text, _ => "uuid:" + new Guid(SHA256.HashData([.. digest, (byte)counter++]).AsSpan(0, 16)).ToString("D"));
        text = SubsetTag().Replace(text, m =>
        {
            var hash = SHA256.HashData([.. digest, .. Encoding.ASCII.GetBytes(m.Groups["font"].Value)]);
            return new string([.. hash.Take(6).Select(b => (char)('A' + b % 26))]) + "+" + m.Groups["font"].Value;
        });
        return Encoding.Latin1.GetBytes(text);
    }

    [System.Text.RegularExpressions.GeneratedRegex("uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial System.Text.RegularExpressions.Regex RandomUuid();

    [System.Text.RegularExpressions.GeneratedRegex("[A-Z]{6}\\+(?<font>DejaVu[A-Za-z0-9#,-]*)")]
    private static partial System.Text.RegularExpressions.Regex SubsetTag();

    private static void Write(PdfLayout layout, string patient, DownloadDocument document)
    {
        var detail = document.Detail;
        layout.Title(Labels.Type(detail.DocumentType) + " № " + document.Number);
        layout.Facts(
        [
            ("Пациент", patient),
            ("Организация", detail.OrganizationName ?? "—"),
            ("Статус", Labels.Status(detail.Status)),
            ("Версия", detail.Version.ToString(CultureInfo.InvariantCulture) + (detail.Version > 1 ? " (документ исправлялся)" : string.Empty)),
            ("Документ в реестре", document.Id.ToString("D")),
        ]);
        switch (detail.Content)
        {
            case LabReport lab:
                layout.Facts(
                [
                    ("Номер заказа", lab.OrderNumber),
                    ("Номер образца", lab.SpecimenNumber),
                    ("Взятие материала", Labels.DateTime(lab.CollectedAt)),
                    ("Выдан", Labels.DateTime(lab.IssuedAt)),
                    ("Ответственный", lab.ResponsibleSpecialist),
                ]);
                foreach (var panel in lab.Panels)
                {
                    layout.Heading(panel.Name);
                    layout.Table(["Показатель", "Результат", "Единицы", "Норма", "Отметка лаборатории"], [0.32, 0.14, 0.12, 0.16, 0.26], panel.Observations.Select(o => (IReadOnlyList<string>)
                    [
                        o.Name + (o.Comment is null ? string.Empty : " (" + o.Comment + ")"),
                        o.Value is { } v ? Labels.Number(v) : o.TextValue ?? "—",
                        o.Unit?.ToString() ?? string.Empty,
                        Labels.Range(o.ReferenceRange),
                        Labels.Flag(o.Flag) ?? (o.Flag is null ? "—" : "в норме"),
                    ]));
                }

                if (lab.Comment is not null)
                {
                    layout.Text("Комментарий лаборатории: " + lab.Comment);
                }

                break;
            case InstrumentalStudy study:
                layout.Facts([("Исследование", $"{study.Modality}, {study.BodySite}"), ("Дата", Labels.DateTime(study.PerformedAt)), ("Врач", study.Specialist)]);
                layout.Heading("Протокол");
                layout.Text(study.Protocol);
                layout.Heading("Заключение");
                layout.Text(study.Conclusion);
                if (study.Recommendation is not null)
                {
                    layout.Heading("Рекомендации");
                    layout.Text(study.Recommendation);
                }

                if (study.Attachments.Count > 0)
                {
                    layout.Heading("Вложения");
                    foreach (var a in study.Attachments)
                    {
                        layout.Text($"{a.FileName ?? "файл"} — {Labels.Attachment(a.ContentType)}, {Labels.Size(a.SizeBytes)}, SHA-256 {a.Sha256}");
                    }
                }

                break;
            case VisitProtocol visit:
                layout.Facts([("Дата приёма", Labels.DateTime(visit.VisitedAt)), ("Врач", visit.Doctor), ("Специальность", visit.Specialty)]);
                List("Процедуры", visit.Procedures);
                List("Назначенные исследования", visit.PrescribedStudies);
                List("Назначенные лекарства", visit.PrescribedMedicines.Select(m => string.Join(", ", new[] { m.Name, m.Dosage, m.Regimen }.OfType<string>())).ToList());
                if (visit.Recommendations is not null)
                {
                    layout.Heading("Рекомендации");
                    layout.Text(visit.Recommendations);
                }

                break;
            case Vaccination vaccination:
                layout.Facts(
                [
                    ("Вакцина", vaccination.Vaccine),
                    ("Дата", Labels.Date(vaccination.Date)),
                    ("Доза", vaccination.DoseNumber.ToString(CultureInfo.InvariantCulture)),
                    ("Серия", vaccination.Series),
                    ("Производитель", vaccination.Manufacturer),
                ]);
                break;
        }

        void List(string heading, IReadOnlyList<string> items)
        {
            if (items.Count > 0)
            {
                layout.Heading(heading);
                foreach (var item in items)
                {
                    layout.Text("• " + item);
                }
            }
        }
    }
}
