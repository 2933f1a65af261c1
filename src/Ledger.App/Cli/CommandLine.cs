namespace Ledger.App.Cli;

/// <summary>A parsed command line: a verb and <c>--name value</c> / <c>--flag</c> options.</summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> options;

    private CommandLine(string verb, Dictionary<string, string?> options)
    {
        Verb = verb;
        this.options = options;
    }

    public string Verb { get; }

    /// <summary>Parses <c>verb [--name value | --flag]…</c>; <paramref name="flags"/> take no value.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlySet<string> flags)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(flags);
        if (args.Count == 0)
        {
            return new CommandLine("help", []);
        }

        var verb = args[0];
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length < 3)
            {
                throw new UsageException($"unexpected argument '{arg}' (options look like --name value)");
            }

            var name = arg[2..];
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                options[name[..equals]] = name[(equals + 1)..];
            }
            else if (flags.Contains(name))
            {
                options[name] = null;
            }
            else if (i + 1 < args.Count)
            {
                options[name] = args[++i];
            }
            else
            {
                throw new UsageException($"option --{name} needs a value");
            }
        }

        return new CommandLine(verb, options);
    }

    public bool Has(string name) => options.ContainsKey(name);

    public string? Get(string name) => options.TryGetValue(name, out var value) ? value : null;

    public int? GetInt(string name)
    {
        var text = Get(name);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new UsageException($"option --{name} must be a positive whole number, not '{text}'");
    }

    /// <summary>Throws when an option is not one of <paramref name="known"/>.</summary>
    public void AllowOnly(params string[] known)
    {
        var unknown = options.Keys.FirstOrDefault(k => !known.Contains(k, StringComparer.Ordinal));
        if (unknown is not null)
        {
            throw new UsageException($"'{Verb}' does not take --{unknown} (it takes {(known.Length == 0 ? "no options" : string.Join(", ", known.Select(k => "--" + k)))})");
        }
    }
}

/// <summary>A command line the program cannot act on: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
