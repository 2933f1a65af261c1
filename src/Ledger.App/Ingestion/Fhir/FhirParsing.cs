using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using Hl7.Fhir.Validation;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>
/// Parses a delivery into Firely's R4 POCOs (Hl7.Fhir.R4) and turns the parser's findings into issues.
/// The parser runs in its strict mode, and the ledger then keeps only the findings that lose or garble delivered
/// data: a primitive of the wrong JSON type or not a valid FHIR literal (a date, a decimal, base64), an object
/// where a primitive belongs or the reverse, a duplicate property, an XML element outside the FHIR namespace.
/// What the parser reports beyond that is tolerated, as it always was: unknown elements (a newer FHIR release's),
/// codes outside their value set, missing elements the ledger does not need (the mapping reports those it needs),
/// empty objects, arrays and strings, JSON nulls, XML elements out of order.
/// </summary>
internal static partial class FhirParsing
{
    private static readonly DeserializerSettings Settings = new DeserializerSettings().UsingMode(DeserializationMode.Strict);

    private static readonly FhirJsonDeserializer Json = new(Settings);

    private static readonly FhirXmlDeserializer Xml = new(Settings);

    /// <summary>Firely's codes that the ledger tolerates (see the class summary).</summary>
    private static readonly HashSet<string> Tolerated = new(StringComparer.Ordinal)
    {
        CodedValidationException.UNKNOWN_ELEMENT_CODE,
        CodedValidationException.UNKNOWN_RESOURCE_TYPE_CODE,
        CodedValidationException.WRONG_CASED_ELEMENT_CODE,
        CodedValidationException.WRONG_CASED_RESOURCE_TYPE_CODE,
        CodedValidationException.CHOICE_TYPE_NOT_ALLOWED_CODE,
        CodedValidationException.INCORRECT_CARDINALITY_MIN_CODE,
        CodedValidationException.INCORRECT_CARDINALITY_MAX_CODE,
        CodedValidationException.MANDATORY_ELEMENT_MUST_BE_PRESENT_CODE,
        CodedValidationException.REPEATING_ELEMENT_CANNOT_CONTAIN_NULL_CODE,
        CodedValidationException.ELEMENT_CANNOT_BE_EMPTY_CODE,
        CodedValidationException.INVALID_CODED_VALUE_CODE,
        CodedValidationException.NARRATIVE_XML_IS_MALFORMED_CODE,
        CodedValidationException.NARRATIVE_XML_IS_INVALID_CODE,
        CodedValidationException.CONTAINED_RESOURCES_CANNOT_BE_NESTED_CODE,
        CodedValidationException.INVALID_STRING_LENGTH_CODE,
        CodedValidationException.POSITIVE_INT_MUST_BE_POSITIVE_CODE,
        CodedValidationException.UNSIGNED_INT_MUST_NOT_BE_NEGATIVE_CODE,
        FhirJsonException.OBJECTS_CANNOT_BE_EMPTY_CODE,
        FhirJsonException.ARRAYS_CANNOT_BE_EMPTY_CODE,
        FhirJsonException.EXPECTED_PRIMITIVE_NOT_NULL_CODE,
        FhirJsonException.PRIMITIVE_ARRAYS_ONLY_NULL_CODE,
        FhirJsonException.NESTED_ARRAY_CODE,
        FhirJsonException.CHOICE_ELEMENT_MUST_HAVE_SUFFIX_CODE,
        FhirXmlException.CHOICE_ELEMENT_MUST_HAVE_SUFFIX_CODE,
        FhirXmlException.ELEMENT_OUT_OF_ORDER_CODE,
        FhirXmlException.ELEMENT_NOT_IN_SEQUENCE_CODE,
        FhirXmlException.SCHEMALOCATION_DISALLOWED_CODE,
        FhirXmlException.STRING_SHOULD_NOT_HAVE_LEADING_OR_TRAILING_WHITESPACE,
    };

    /// <summary>
    /// The resource in <paramref name="body"/>, possibly incomplete when issues were added; null when nothing could be
    /// read (the issue says why).
    /// </summary>
    public static Resource? Parse(ReadOnlyMemory<byte> body, FhirFormat format, FhirIssues issues) =>
        format == FhirFormat.Xml ? ParseXml(body, issues) : ParseJson(body, issues);

    private static Resource? ParseJson(ReadOnlyMemory<byte> body, FhirIssues issues)
    {
        var options = new JsonReaderOptions { MaxDepth = issues.Options.MaxDepth };
        var probe = new Utf8JsonReader(body.Span, options);
        try
        {
            if (!probe.Read() || probe.TokenType != JsonTokenType.StartObject)
            {
                issues.Error("structure", "", "a FHIR resource must be a JSON object");
                return null;
            }

            var reader = new Utf8JsonReader(body.Span, options);
            Json.TryDeserializeResource(ref reader, out var resource, out var found);
            Report(found, body.Span, issues);
            return resource;
        }
        catch (JsonException e)
        {
            var tooDeep = e.Message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase);
            issues.Add(new FhirIssue(
                FhirIssueSeverity.Error,
                tooDeep ? "too-costly" : "structure",
                "",
                $"invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {(tooDeep ? $"nesting deeper than {issues.Options.MaxDepth}" : "syntax error")}")
            {
                Line = e.LineNumber + 1,
                Column = e.BytePositionInLine + 1,
            });
            return null;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses escaped lone surrogates (e.g. "\uD800"), which the JSON grammar allows.
            issues.Error("value", "", "a string value holds an invalid escaped character (lone UTF-16 surrogate)");
            return null;
        }
    }

    private static Resource? ParseXml(ReadOnlyMemory<byte> body, FhirIssues issues)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            MaxCharactersFromEntities = 0,
        };
        try
        {
            // The depth limit first, with the platform's reader alone: Firely's reader descends recursively.
            using (var depth = XmlReader.Create(new MemoryStream(body.ToArray(), writable: false), settings))
            {
                while (depth.Read())
                {
                    if (depth.Depth > issues.Options.MaxDepth)
                    {
                        var line = (IXmlLineInfo)depth;
                        issues.Add(new FhirIssue(FhirIssueSeverity.Error, "too-costly", "", $"XML nested deeper than {issues.Options.MaxDepth} elements")
                        {
                            Line = line.LineNumber,
                            Column = line.LinePosition,
                        });
                        return null;
                    }
                }
            }

            using var reader = XmlReader.Create(new MemoryStream(body.ToArray(), writable: false), settings);
            Xml.TryDeserializeResource(reader, out var resource, out var found);
            Report(found, default, issues);
            return resource;
        }
        catch (XmlException e)
        {
            issues.Add(new FhirIssue(FhirIssueSeverity.Error, "structure", "", $"invalid XML at line {e.LineNumber}, position {e.LinePosition}: {XmlReason(e)}")
            {
                Line = e.LineNumber,
                Column = e.LinePosition,
            });
            return null;
        }
        catch (InvalidOperationException)
        {
            issues.Error("structure", "", "the XML document holds no FHIR resource");
            return null;
        }
    }

    /// <summary>The parser's findings as issues, in document order, without the tolerated ones.</summary>
    private static void Report(IEnumerable<CodedException> found, ReadOnlySpan<byte> json, FhirIssues issues)
    {
        foreach (var e in found)
        {
            // A missing resourceType carries no place: the reader reports the entry (or the document) that lacks it.
            if (Tolerated.Contains(e.ErrorCode) || ToleratedLiteral(e) || e.ErrorCode == FhirJsonException.NO_RESOURCETYPE_PROPERTY_CODE)
            {
                continue;
            }

            var extended = e as ExtendedCodedException;
            var path = extended?.InstancePath ?? "";
            var (code, message) = Describe(e, path, json, extended);
            issues.Add(new FhirIssue(FhirIssueSeverity.Error, code, path, message) { Line = extended?.LineNumber, Column = extended?.Position });
        }
    }

    /// <summary>The FHIR types whose literal form the ledger reads (dates, numbers, booleans, base64); others are kept as text.</summary>
    private static readonly HashSet<string> CheckedLiterals = new(StringComparer.Ordinal)
    {
        "date", "dateTime", "instant", "time", "decimal", "integer", "integer64", "positiveInt", "unsignedInt", "boolean", "base64Binary",
    };

    /// <summary>
    /// An invalid literal the ledger tolerates: an empty or blank string (absent, as it always was), or the text of a
    /// type it keeps as text (a <c>uri</c> such as <c>urn:uuid:p1</c>, an <c>id</c>, a <c>code</c>).
    /// </summary>
    private static bool ToleratedLiteral(CodedException e) =>
        e.ErrorCode == CodedValidationException.LITERAL_INVALID_CODE && LiteralInvalid().Match(e.Message) is { Success: true } m
        && (string.IsNullOrWhiteSpace(m.Groups["value"].Value) || !CheckedLiterals.Contains(m.Groups["type"].Value));

    private static (string Code, string Message) Describe(CodedException e, string path, ReadOnlySpan<byte> json, ExtendedCodedException? extended)
    {
        switch (e.ErrorCode)
        {
            case CodedValidationException.INCORRECT_LITERAL_VALUE_TYPE_CODE when LiteralType().Match(e.Message) is { Success: true } m:
                var kind = m.Groups["kind"].Value;
                var target = m.Groups["type"].Value;
                // A JSON number outside the decimal range reaches the parser as text; a JSON string ends with its quote.
                if (kind == "string" && json.Length > 0 && extended is { LineNumber: { } line, Position: { } position } && !EndsWithQuote(json, line, position))
                {
                    return ("value", $"number {Clip(m.Groups["value"].Value.Trim('\''))} is out of the decimal range");
                }

                return ("structure", target switch
                {
                    "decimal" => "must be a JSON number",
                    "integer" or "positiveInt" or "unsignedInt" or "integer64" => "must be an integer",
                    "boolean" => "must be true or false",
                    _ => "must be a JSON string",
                });
            case CodedValidationException.LITERAL_INVALID_CODE when LiteralInvalid().Match(e.Message) is { Success: true } m:
                return ("value", $"'{Clip(m.Groups["value"].Value)}' is not a valid FHIR {m.Groups["type"].Value}");
            case CodedValidationException.INVALID_BASE64_VALUE_CODE:
                return ("value", "is not valid base64");
            case FhirJsonException.DUPLICATE_PROPERTY_CODE:
                return ("structure", extended?.BaseErrorMessage ?? e.Message);
            case FhirJsonException.UNEXPECTED_PRIMITIVE_VALUE_FOR_NON_PRIMITIVE_CODE:
                return ("structure", "must be a JSON object");
            case FhirJsonException.UNEXPECTED_OBJECT_VALUE_FOR_PRIMITIVE_CODE:
                return ("structure", "must be a JSON string, number or boolean");
            case CodedValidationException.PROPERTY_TYPE_MISMATCH_CODE:
                return ("structure", e.Message.Contains("to be a collection", StringComparison.Ordinal) ? "must be an array" : "must be a single object, not an array");
            default:
                return ("structure", extended?.BaseErrorMessage ?? e.Message);
        }
    }

    /// <summary>Whether the token that ends just before <paramref name="position"/> on <paramref name="line"/> is a JSON string.</summary>
    private static bool EndsWithQuote(ReadOnlySpan<byte> json, long line, long position)
    {
        var start = 0;
        for (var l = 1L; l < line; l++)
        {
            var next = json[start..].IndexOf((byte)'\n');
            if (next < 0)
            {
                return true;
            }

            start += next + 1;
        }

        var at = start + position - 2;
        return at < 0 || at >= json.Length || json[(int)at] == (byte)'"';
    }

    /// <summary>The platform's message without the line and position it repeats.</summary>
    private static string XmlReason(XmlException e)
    {
        var message = e.Message;
        var at = message.IndexOf(" Line ", StringComparison.Ordinal);
        return (at > 0 ? message[..at] : message).TrimEnd('.', ' ');
    }

    private static string Clip(string s) => s.Length > 64 ? s[..64] + "…" : s;

    [GeneratedRegex(@"^(?<kind>\w+) (?<value>.*) is not the right type of literal for a (?<type>\w+)\.", RegexOptions.Singleline)]
    private static partial Regex LiteralType();

    [GeneratedRegex(@"^\w+ '(?<value>.*)' is not a correct literal for a (?<type>\w+)\.", RegexOptions.Singleline)]
    private static partial Regex LiteralInvalid();
}
