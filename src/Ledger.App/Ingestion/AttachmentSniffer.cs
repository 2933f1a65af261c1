using Ledger.Domain.Results;

namespace Ledger.App.Ingestion;

/// <summary>Recognises attachment content from its bytes; a declared content type is never trusted.</summary>
public static class AttachmentSniffer
{
    public static AttachmentContentType? Sniff(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("%PDF"u8))
        {
            return AttachmentContentType.Pdf;
        }

        if (data.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return AttachmentContentType.Png;
        }

        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return AttachmentContentType.Jpeg;
        }

        return data.Length >= 132 && data.Slice(128, 4).SequenceEqual("DICM"u8) ? AttachmentContentType.Dicom : null;
    }
}
