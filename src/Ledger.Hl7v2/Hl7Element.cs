namespace Ledger.Hl7v2;

/// <summary>Level of an <see cref="Hl7Element"/> in the ER7 hierarchy.</summary>
public enum Hl7Level
{
    /// <summary>A whole field (all repetitions).</summary>
    Field,

    /// <summary>One repetition of a field.</summary>
    Repetition,

    /// <summary>One component.</summary>
    Component,

    /// <summary>One subcomponent.</summary>
    Subcomponent,
}

/// <summary>
/// A view on part of a segment: a field, repetition, component or subcomponent. Navigation is 1-based and
/// never fails: a missing part is an empty element. <see cref="Value"/> decodes escape sequences.
/// Navigating down skips levels with the first item: <c>Field(5).Component(2)</c> is component 2 of the
/// first repetition.
/// </summary>
public readonly struct Hl7Element
{
    private readonly Hl7Segment? _segment;
    private readonly int _start;
    private readonly int _length;
    private readonly bool _literal;

    internal Hl7Element(Hl7Segment segment, int start, int length, Hl7Level level, bool literal)
    {
        _segment = segment;
        _start = start;
        _length = length;
        Level = level;
        _literal = literal;
    }

    /// <summary>The level of this element.</summary>
    public Hl7Level Level { get; }

    /// <summary>True when nothing was sent.</summary>
    public bool IsEmpty => _length == 0;

    /// <summary>The text as sent, separators and escape sequences included.</summary>
    public ReadOnlySpan<char> RawSpan => _segment is null ? [] : _segment.Text.AsSpan(_start, _length);

    /// <summary>The text as sent, as a string.</summary>
    public string Raw => new(RawSpan);

    /// <summary>The text with escape sequences decoded (see <see cref="Hl7Escapes"/>).</summary>
    public string Value => _segment is null || _literal
        ? Raw
        : Hl7Escapes.Decode(RawSpan, _segment.Separators, _segment.Charset);

    /// <summary>The decoded value with surrounding whitespace removed, or null when that leaves nothing.</summary>
    public string? ValueOrNull
    {
        get
        {
            if (IsEmpty)
            {
                return null;
            }

            var v = Value.Trim();
            return v.Length == 0 ? null : v;
        }
    }

    /// <summary>Number of repetitions (1 for a non-empty or empty field); only meaningful on a field.</summary>
    public int RepetitionCount => Level == Hl7Level.Field && !_literal ? Count(Separator(Hl7Level.Repetition)) : 1;

    /// <summary>Number of components in this repetition (or first repetition of a field).</summary>
    public int ComponentCount => Level <= Hl7Level.Repetition
        ? (Level == Hl7Level.Field ? Repetition(1).ComponentCount : Count(Separator(Hl7Level.Component)))
        : 1;

    /// <summary>Repetition <paramref name="number"/> (1-based) of a field.</summary>
    public Hl7Element Repetition(int number) => Level switch
    {
        Hl7Level.Field when _literal => number == 1 ? this : Empty(_segment),
        Hl7Level.Field => Nth(Separator(Hl7Level.Repetition), number, Hl7Level.Repetition),
        _ => number == 1 ? this : Empty(_segment),
    };

    /// <summary>All repetitions of a field, found in one pass.</summary>
    public IReadOnlyList<Hl7Element> Repetitions()
    {
        if (_segment is null || Level != Hl7Level.Field || _literal)
        {
            return [this];
        }

        var separator = Separator(Hl7Level.Repetition);
        var span = RawSpan;
        var list = new List<Hl7Element>(Math.Min(span.Count(separator) + 1, 64));
        var from = 0;
        while (true)
        {
            var next = span[from..].IndexOf(separator);
            var len = next < 0 ? span.Length - from : next;
            list.Add(new Hl7Element(_segment, _start + from, len, Hl7Level.Repetition, false));
            if (next < 0)
            {
                return list;
            }

            from += next + 1;
        }
    }

    /// <summary>Component <paramref name="number"/> (1-based).</summary>
    public Hl7Element Component(int number) => Level switch
    {
        Hl7Level.Field => Repetition(1).Component(number),
        Hl7Level.Repetition when _literal => number == 1 ? this : Empty(_segment),
        Hl7Level.Repetition => Nth(Separator(Hl7Level.Component), number, Hl7Level.Component),
        _ => number == 1 ? this : Empty(_segment),
    };

    /// <summary>Subcomponent <paramref name="number"/> (1-based) of a component (or of the first component).</summary>
    public Hl7Element Subcomponent(int number) => Level switch
    {
        Hl7Level.Field or Hl7Level.Repetition => Component(1).Subcomponent(number),
        Hl7Level.Component when _literal => number == 1 ? this : Empty(_segment),
        Hl7Level.Component => Nth(Separator(Hl7Level.Subcomponent), number, Hl7Level.Subcomponent),
        _ => number == 1 ? this : Empty(_segment),
    };

    /// <inheritdoc />
    public override string ToString() => Raw;

    internal static Hl7Element Empty(Hl7Segment? segment) =>
        segment is null ? default : new Hl7Element(segment, 0, 0, Hl7Level.Subcomponent, literal: true);

    private char Separator(Hl7Level childLevel)
    {
        if (_segment is null)
        {
            return '\0';
        }

        var s = _segment.Separators;
        return childLevel switch
        {
            Hl7Level.Repetition => s.Repetition,
            Hl7Level.Component => s.Component,
            _ => s.Subcomponent,
        };
    }

    private int Count(char separator)
    {
        if (separator == '\0')
        {
            return 1;
        }

        return RawSpan.Count(separator) + 1;
    }

    private Hl7Element Nth(char separator, int number, Hl7Level level)
    {
        if (_segment is null || number < 1)
        {
            return Empty(_segment);
        }

        var span = RawSpan;
        if (separator == '\0')
        {
            return number == 1 ? new Hl7Element(_segment, _start, _length, level, false) : Empty(_segment);
        }

        var from = 0;
        for (var i = 1; i < number; i++)
        {
            var next = span[from..].IndexOf(separator);
            if (next < 0)
            {
                return Empty(_segment);
            }

            from += next + 1;
        }

        var end = span[from..].IndexOf(separator);
        var len = end < 0 ? span.Length - from : end;
        return new Hl7Element(_segment, _start + from, len, level, false);
    }
}
