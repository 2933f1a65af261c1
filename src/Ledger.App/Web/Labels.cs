using System.Globalization;
using Ledger.Domain.Results;
using NodaTime;
using NodaTime.Text;

namespace Ledger.App.Web;

/// <summary>The cabinet's Russian wording of the ledger's codes, and how dates and values are written.</summary>
public static class Labels
{
    /// <summary>Numbers with a decimal comma (the executable runs with invariant globalization: no ru-RU culture).</summary>
    private static readonly NumberFormatInfo Russian = new() { NumberDecimalSeparator = ",", NumberGroupSeparator = "\u00a0", NegativeSign = "−" };

    /// <summary>Dates and times are shown in Moscow time.</summary>
    public static DateTimeZone Zone { get; } = DateTimeZoneProviders.Tzdb["Europe/Moscow"];

    private static readonly LocalDateTimePattern DateTimePattern = LocalDateTimePattern.CreateWithInvariantCulture("dd.MM.uuuu HH:mm");
    private static readonly LocalDatePattern DatePattern = LocalDatePattern.CreateWithInvariantCulture("dd.MM.uuuu");

    public static string DateTime(Instant at) => DateTimePattern.Format(at.InZone(Zone).LocalDateTime);

    public static string Date(Instant at) => DatePattern.Format(at.InZone(Zone).Date);

    public static string Date(LocalDate date) => DatePattern.Format(date);

    /// <summary>The ISO date (yyyy-MM-dd) of an instant in Moscow time, as a date input holds it.</summary>
    public static string IsoDate(Instant at) => LocalDatePattern.Iso.Format(at.InZone(Zone).Date);

    public static string Number(decimal value) => value.ToString("0.###", Russian);

    public static string Change(decimal change) => change switch
    {
        > 0 => "+" + Number(change),
        < 0 => "−" + Number(-change),
        _ => "0",
    };

    public static string Type(string documentType) => documentType switch
    {
        "labReport" => "Анализ",
        "instrumentalStudy" => "Исследование",
        "visitProtocol" => "Приём врача",
        "vaccination" => "Прививка",
        _ => documentType,
    };

    public static string Status(string status) => status switch
    {
        "pending" => "В работе",
        "ready" => "Готов",
        "confirmed" => "Подтверждён",
        _ => status,
    };

    public static string Kind(string kind) => kind switch
    {
        "blood" => "Кровь",
        "urine" => "Моча",
        "biochemistry" => "Биохимия",
        "other" => "Другие анализы",
        "instrumental" => "Инструментальное исследование",
        "protocol" => "Протокол приёма",
        "vaccination" => "Прививка",
        _ => kind,
    };

    /// <summary>The flag in words with a symbol, so that it never depends on colour; null for a normal value.</summary>
    public static string? Flag(AbnormalFlag? flag) => flag?.Meaning switch
    {
        null or FlagMeaning.Normal => null,
        FlagMeaning.High => "↑ выше нормы",
        FlagMeaning.Low => "↓ ниже нормы",
        FlagMeaning.CriticallyHigh => "⇈ критически выше нормы",
        FlagMeaning.CriticallyLow => "⇊ критически ниже нормы",
        FlagMeaning.Abnormal => "! вне нормы",
        FlagMeaning.CriticallyAbnormal => "‼ критически вне нормы",
        _ => "? отметка лаборатории «" + flag.Code + "»",
    };

    public static string? Flag(string? code) => code is null ? null : AbnormalFlag.TryParse(code, out var flag, out _) ? Flag(flag) : null;

    public static string Range(ReferenceRange? range) => range switch
    {
        null => "—",
        { Text: { Length: > 0 } text } when range.Low is null && range.High is null => text,
        { Low: { } low, High: { } high } => $"{Number(low)} – {Number(high)}",
        { Low: { } low } => "от " + Number(low),
        { High: { } high } => "до " + Number(high),
        _ => range.Text ?? "—",
    };

    public static string ConsentStatus(string status) => status switch
    {
        "active" => "действует",
        "revoked" => "отозвано",
        "pending" => "ещё не началось",
        "expired" => "истекло",
        _ => status,
    };

    public static string Actor(string kind) => kind switch
    {
        "patient" => "Вы",
        "doctor" => "Врач по ссылке",
        "auditor" => "Аудитор",
        "support" => "Поддержка",
        "system" => "Система",
        _ => kind,
    };

    public static string Channel(string channel) => channel switch
    {
        "web" => "кабинет",
        "api" => "API",
        "shareLink" => "ссылка для врача",
        "export" => "выгрузка",
        "notification" => "уведомление",
        _ => channel,
    };

    public static string Outcome(string outcome, string? reason) => outcome switch
    {
        "succeeded" => "просмотр",
        "partial" => "частично",
        "failed" => "ошибка",
        "denied" => "отказано" + (reason is null ? string.Empty : " (" + Refusal(reason) + ")"),
        _ => outcome,
    };

    /// <summary>The purpose of an access, in words (an unknown purpose as recorded).</summary>
    public static string Purpose(string purpose) => purpose switch
    {
        "view document" => "просмотр документа",
        "view corrections" => "просмотр исправлений",
        "view under consent" => "просмотр по согласию",
        "export" => "выгрузка",
        "compliance export" or "compliance export from the command line" => "проверочная выгрузка",
        "download pdf" => "скачивание PDF",
        "download zip" => "скачивание ZIP",
        "download fhir json" or "download fhir xml" => "скачивание FHIR",
        "download medical card pdf" => "скачивание медкарты (PDF)",
        { } p when p.StartsWith("download ", StringComparison.Ordinal) && p.EndsWith(" signature", StringComparison.Ordinal) => "скачивание подписи файла",
        _ => purpose,
    };

    /// <summary>A refusal of a share link in words.</summary>
    public static string Refusal(string reason) => reason switch
    {
        "consent.revoked" => "согласие отозвано",
        "consent.expired" => "срок согласия истёк",
        "consent.not_yet_valid" => "согласие ещё не началось",
        "consent.out_of_scope" => "документ не входит в согласие",
        "document.not_found" => "документ не найден",
        _ => reason,
    };

    public static string Channel(Domain.Patients.DeliveryChannel channel) => channel switch
    {
        Domain.Patients.DeliveryChannel.Email => "электронная почта",
        Domain.Patients.DeliveryChannel.Sms => "SMS",
        Domain.Patients.DeliveryChannel.Push => "push-уведомление",
        _ => channel.ToString(),
    };

    public static string Frequency(Domain.Patients.DeliveryFrequency frequency) => frequency switch
    {
        Domain.Patients.DeliveryFrequency.Immediate => "сразу",
        Domain.Patients.DeliveryFrequency.Daily => "раз в день",
        Domain.Patients.DeliveryFrequency.Weekly => "раз в неделю",
        _ => frequency.ToString(),
    };

    public static string Attachment(AttachmentContentType type) => type switch
    {
        AttachmentContentType.Jpeg => "изображение JPEG",
        AttachmentContentType.Png => "изображение PNG",
        AttachmentContentType.Pdf => "документ PDF",
        AttachmentContentType.Dicom => "снимок DICOM",
        _ => type.ToString(),
    };

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} Б",
        < 1024 * 1024 => (bytes / 1024m).ToString("0.#", Russian) + " КБ",
        _ => (bytes / (1024m * 1024m)).ToString("0.#", Russian) + " МБ",
    };
}
