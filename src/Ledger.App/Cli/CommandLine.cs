namespace Ledger.App.Cli;

/// <summary>A parsed command line: a verb and <c>--name value</c> / <c>--flag</c> options, checked against the verb's options.</summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> options;

    private CommandLine(string verb, Dictionary<string, string?> options)
    {
        Verb = verb;
        this.options = options;
    }

    public string Verb { get; }

    /// <summary>True for <c>--help</c> or <c>-h</c> after the verb.</summary>
    public bool WantsHelp { get; private init; }

    /// <summary>
    /// Parses <c>verb [--name value | --name=value | --flag]…</c> for <paramref name="command"/>: an option it does not
    /// list, a flag given a value and a value option without one are refused with a line naming the option.
    /// </summary>
    public static CommandLine Parse(IReadOnlyList<string> args, CommandSpec command)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(command);
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        var help = false;
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                help = true;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length < 3)
            {
                throw new UsageException($"unexpected argument '{arg}' for {command.Name} (options look like --name value; ledger help {command.Name})");
            }

            var name = arg[2..];
            string? inline = null;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                inline = name[(equals + 1)..];
                name = name[..equals];
            }

            var option = command.Options.FirstOrDefault(o => o.Name == name)
                ?? throw new UsageException($"unknown option --{name} for {command.Name} ({command.OptionList()})");
            if (option.IsFlag)
            {
                options[name] = inline is null ? null : throw new UsageException($"option --{name} takes no value");
            }
            else if (inline is not null)
            {
                options[name] = inline;
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                options[name] = args[++i];
            }
            else
            {
                throw new UsageException($"option --{name} needs a value ({option.Value})");
            }
        }

        return new CommandLine(command.Name, options) { WantsHelp = help };
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
}

/// <summary>A command line the program cannot act on: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
