using Ledger.App.Ingestion.Parsed;
using Ledger.Hl7v2;

namespace Ledger.App.Ingestion.Hl7v2Mapping;

/// <summary>
/// Maps a parsed ORU^R01 (v2.3 to 2.5.1) to one <see cref="LabResultDocument"/>: every OBR group becomes a
/// <see cref="LabPanel"/>. Throws <see cref="Hl7ParseException"/>: <see cref="Hl7ErrorKind.Unsupported"/> for
/// another message type, trigger or version (ACK AR), <see cref="Hl7ErrorKind.Invalid"/> for content errors
/// (ACK AE). The field mapping is in docs/ingestion-mapping.md.
/// </summary>
public static class OruMapper
{
    /// <summary>The accepted MSH-12 versions.</summary>
    public static IReadOnlyList<string> SupportedVersions { get; } = ["2.3", "2.3.1", "2.4", "2.5", "2.5.1"];

    /// <summary>Parses and maps in one step.</summary>
    public static LabResultDocument Parse(ReadOnlySpan<byte> input, Hl7ParserOptions? options = null)
    {
        options ??= Hl7ParserOptions.Default;
        return Map(Hl7Parser.Parse(input, options), options);
    }

    /// <summary>Maps a parsed message.</summary>
    public static LabResultDocument Map(Hl7Message message, Hl7ParserOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        options ??= Hl7ParserOptions.Default;
        CheckHeader(message);

        var pid = message.Get("PID")
            ?? throw new Hl7ParseException(Hl7ErrorKind.Invalid, "PID segment is missing", "PID", null, null, 101);
        var identifiers = PatientIdentifiers(pid);

        var documentComments = new List<string>();
        var panels = new List<PanelBuilder>();
        PanelBuilder? panel = null;
        ObservationBuilder? lastObservation = null;
        foreach (var segment in message.Segments)
        {
            switch (segment.Name)
            {
                case "OBR":
                    panel = new PanelBuilder(segment, options);
                    panels.Add(panel);
                    lastObservation = null;
                    break;
                case "OBX":
                    if (panel is null)
                    {
                        throw new Hl7ParseException(
                            Hl7ErrorKind.Invalid, "OBX before any OBR: observations must follow their order (OBR)",
                            "OBX", segment.Index, null, 100);
                    }

                    lastObservation = new ObservationBuilder(OruObservationMapper.Map(segment, options));
                    panel.Observations.Add(lastObservation);
                    break;
                case "NTE":
                    var comment = segment.Field(3).Repetitions().Select(r => r.Value).ToArray();
                    var text = string.Join("\n", comment);
                    (lastObservation?.Comments ?? panel?.Comments ?? documentComments).Add(text);
                    break;
                default:
                    break;
            }
        }

        if (panels.Count == 0)
        {
            throw new Hl7ParseException(Hl7ErrorKind.Invalid, "no OBR segment: an ORU^R01 needs at least one order", "OBR", null, null, 101);
        }

        return new LabResultDocument(
            IngestSource.Hl7v2,
            message.ControlId,
            null,
            identifiers,
            panels.Select(p => p.Build()).ToArray(),
            documentComments);
    }

    private static void CheckHeader(Hl7Message message)
    {
        var version = message.Version;
        if (version is null || !SupportedVersions.Contains(version))
        {
            throw new Hl7ParseException(
                Hl7ErrorKind.Unsupported,
                version is null
                    ? "MSH-12 version is missing; supported versions are 2.3 to 2.5.1"
                    : $"version {version} is not supported; supported versions are 2.3 to 2.5.1",
                "MSH", 1, 12, 203);
        }

        if (message.MessageCode != "ORU")
        {
            throw new Hl7ParseException(
                Hl7ErrorKind.Unsupported,
                $"message type {message.Header.Field(9).Value} is not supported; only ORU^R01 is accepted",
                "MSH", 1, 9, 200);
        }

        if (message.TriggerEvent != "R01")
        {
            throw new Hl7ParseException(
                Hl7ErrorKind.Unsupported,
                $"trigger event '{message.TriggerEvent}' is not supported; only ORU^R01 is accepted",
                "MSH", 1, 9, 201);
        }
    }

    private static List<PatientIdentifierCandidate> PatientIdentifiers(Hl7Segment pid)
    {
        var list = new List<PatientIdentifierCandidate>();
        foreach (var field in new[] { 3, 2, 4 })
        {
            foreach (var rep in pid.Field(field).Repetitions())
            {
                if (Hl7DataTypes.Identifier(rep) is { } id)
                {
                    list.Add(id);
                }
            }

            if (list.Count > 0)
            {
                return list;
            }
        }

        throw new Hl7ParseException(
            Hl7ErrorKind.Invalid, "no patient identifier in PID-3 (nor PID-2/PID-4)", "PID", pid.Index, 3, 101);
    }

    private sealed class ObservationBuilder(LabObservation observation)
    {
        public List<string> Comments { get; } = [];

        public LabObservation Build() => observation with { Comments = Comments };
    }

    private sealed class PanelBuilder
    {
        private readonly LabPanel _panel;

        public PanelBuilder(Hl7Segment obr, Hl7ParserOptions options)
        {
            var status = obr.Field(25).ValueOrNull;
            _panel = new LabPanel(
                obr.Field(2).Component(1).ValueOrNull,
                obr.Field(3).Component(1).ValueOrNull,
                Hl7DataTypes.Coded(obr.Field(4)) ?? Hl7DataTypes.Coded(obr.Field(4), 4),
                OruObservationMapper.Time(obr, 7, options),
                OruObservationMapper.Time(obr, 22, options),
                new ReportStatus(status, status switch
                {
                    "F" => ReportStatusKind.Final,
                    "P" => ReportStatusKind.Preliminary,
                    "C" => ReportStatusKind.Corrected,
                    _ => ReportStatusKind.Other,
                }),
                Hl7DataTypes.Person(obr.Field(32)),
                Hl7DataTypes.Person(obr.Field(16)),
                [],
                [],
                null,
                [])
            {
                Signature = Interpreted(obr, options),
            };
        }

        /// <summary>
        /// OBR-32 in its NDL form (<c>id&amp;family&amp;given^start date/time^…</c>) naming a person with a start time:
        /// the principal result interpreter signed the panel then. The XCN form (<c>id^family^given</c>) has no time.
        /// </summary>
        private static ResultSignature? Interpreted(Hl7Segment obr, Hl7ParserOptions options)
        {
            var field = obr.Field(32);
            var name = field.Component(1);
            if (name.Subcomponent(2).ValueOrNull is null && name.Subcomponent(3).ValueOrNull is null)
            {
                return null;
            }

            return Hl7DataTypes.Person(field) is { } person && OruObservationMapper.Time(obr, 32, 2, options) is { } at
                ? new ResultSignature(person, at)
                : null;
        }

        public List<ObservationBuilder> Observations { get; } = [];

        public List<string> Comments { get; } = [];

        public LabPanel Build() => _panel with
        {
            Observations = Observations.Select(o => o.Build()).ToArray(),
            Comments = Comments,
        };
    }
}
