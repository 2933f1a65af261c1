using System.Text;

namespace Ledger.App.Cli;

/// <summary>An option of a command: <c>--name VALUE</c>, or a flag when <paramref name="Value"/> is null.</summary>
public sealed record OptionSpec(string Name, string? Value, string Description)
{
    public bool IsFlag => Value is null;

    public string Synopsis => IsFlag ? "--" + Name : $"--{Name} {Value}";
}

/// <summary>A command: its name, what it does in one line, its options and the longer help of <c>ledger help NAME</c>.</summary>
public sealed record CommandSpec(string Name, string Summary, IReadOnlyList<OptionSpec> Options, string Details)
{
    public string OptionList() => Options.Count == 0 ? $"{Name} takes no options" : $"{Name} takes {string.Join(", ", Options.Select(o => "--" + o.Name))}";

    public string Help()
    {
        var text = new StringBuilder();
        text.Append("usage: ledger ").Append(Name).Append(string.Concat(Options.Select(o => $" [{o.Synopsis}]"))).AppendLine();
        text.AppendLine();
        text.AppendLine(Summary + ".");
        if (Details.Length > 0)
        {
            text.AppendLine(Details);
        }

        if (Options.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("options:");
            var width = Options.Max(o => o.Synopsis.Length) + 2;
            foreach (var option in Options)
            {
                text.Append("  ").Append(option.Synopsis.PadRight(width)).AppendLine(option.Description);
            }
        }

        return text.ToString().TrimEnd();
    }
}

/// <summary>Every command of <c>ledger</c>, with its options and help.</summary>
public static class Commands
{
    private static readonly OptionSpec Connection = new("connection", "CS", "PostgreSQL connection string (default: LEDGER_CONNECTION, else the local server of the data directory)");

    public static readonly IReadOnlyList<CommandSpec> All =
    [
        new("serve", "Run the HTTP API (and MLLP) and the background work until stopped; migrates the schema first",
            [
                new("urls", "URL", "listen addresses, separated by ';' (default http://127.0.0.1:5080)"),
                Connection,
                new("demo", null, "seed the demo data (idempotent) and print tokens for the demo patient and an administrator"),
                new("mllp-port", "N", "also accept HL7 v2 over MLLP on this port"),
            ],
            "Without a connection string it starts the local PostgreSQL of the data directory, which the other commands then use."),
        new("migrate", "Create or upgrade the database schema", [Connection], "Prints the migrations applied, or 'schema is up to date'."),
        new("verify", "Recompute every hash and audit the signed checkpoints",
            [Connection, new("public-key", "PEM-FILE", "the auditor's public key (default: the configured signing key's)")],
            "Prints one line per finding and a summary; exits 0 when the store is clean, 1 otherwise."),
        new("verify-file", "Check the ledger's signature on a downloaded file (for a ZIP, on every file inside)",
            [
                new("file", "FILE", "the file (also given as the first word: ledger verify-file FILE)"),
                new("signature", "SIG", "the detached DER signature (default: FILE.sig beside the file; a ZIP carries its own inside)"),
                new("public-key", "PEM-FILE", "the ledger's public key (default: the configured signing key's; GET /api/v1/signing-key publishes it)"),
            ],
            "Prints one line: 'valid: … signed by key ID' and exits 0, or what is wrong (invalid, wrong key, no signature, unreadable) and exits 1. See docs/downloads.md."),
        new("checkpoint", "Sign a checkpoint of every stream head now",
            [Connection, new("public-key", null, "print the auditor's public key instead")],
            string.Empty),
        new("export", "Write the compliance NDJSON export to a file",
            [
                new("out", "FILE", "the file to write (required)"),
                new("from", "T", "events recorded at or after this instant (ISO 8601)"),
                new("to", "T", "events recorded before this instant"),
                new("stream-type", "T", "only streams of this type"),
                new("patient", "UUID", "only this patient's streams"),
                Connection,
            ],
            "Check the file offline with tools/verify_export.py."),
        new("token", "Print a bearer token: a development token for a role, or a delivery token of an enabled organisation",
            [
                new("role", "R", "one of " + string.Join(", ", Security.Roles.All)),
                new("subject", "UUID", "the subject's internal id (default: a new one)"),
                new("hours", "N", "lifetime in hours (default 12)"),
                new("organization", "ОГРН", "a delivery token for the organisation with this ОГРН (reads the database)"),
                Connection,
            ],
            "Tokens are signed with the token signing key (LEDGER_TOKEN_SIGNING_KEY, or the development key of the data directory)."),
        new("account", "Open a patient's sign-in account (ledger account create): a login and a password, printed once unless read from stdin",
            [
                new("patient", "UUID", "the registered patient's internal id (required)"),
                new("login", "L", "the login the patient signs in with (required; compared without case)"),
                new("password-stdin", null, "read the password from the first line of the standard input instead of generating one"),
                Connection,
            ],
            "usage: ledger account create --patient UUID --login L [--password-stdin]. The patient enrols an authenticator (TOTP) at the first sign-in; see docs/identity.md."),
        new("projections", "Show the state, lag and node of every projection, or act on one",
            [
                Connection,
                new("resume", "NAME", "rebuild a failed projection with its failed events (after a fix) and clear them"),
                new("skip", "NAME", "leave a failed projection's failed events unapplied (needs --reason)"),
                new("reason", "TEXT", "why the events are skipped (recorded)"),
                new("rebuild", "NAME", "rebuild beside the live tables and swap them in"),
            ],
            "The node that runs a projection is shown as Wolverine numbers it, with its host and last health check; 'gone' marks one whose health checks stopped."),
        new("dead-letters", "List the messages that failed every attempt, or replay one",
            [Connection, new("replay", "MESSAGE-ID", "mark this dead letter for replay by a running node"), new("limit", "N", "list at most N (default 100)")],
            string.Empty),
        new("health", "Ask a running ledger's /health; exit 0 when it answers healthy, 1 otherwise",
            [new("url", "URL", "the ledger's address (default http://127.0.0.1:5080)")],
            "Used by the Docker image's health check."),
        new("codegen", "Write Wolverine's handler code for release builds (from a debug build; no database)",
            [new("output", "DIR", "where to write (default src/Ledger.App/Internal/Generated of this checkout)")],
            string.Empty),
        new("help", "Print the commands, or one command's options", [], "ledger help COMMAND, or ledger COMMAND --help."),
    ];

    public static CommandSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    public static string Names => string.Join(", ", All.Select(c => c.Name));

    /// <summary>The text of <c>ledger help</c>.</summary>
    public static string Usage(string home)
    {
        var text = new StringBuilder();
        text.AppendLine("usage: ledger <command> [options]   (ledger help <command> for its options)");
        text.AppendLine();
        text.AppendLine("commands:");
        foreach (var command in All)
        {
            text.Append("  ").Append(command.Name.PadRight(14)).AppendLine(command.Summary);
        }

        text.AppendLine();
        text.AppendLine("The connection string comes from --connection, LEDGER_CONNECTION or ConnectionStrings:Ledger; without one,");
        text.AppendLine("every command uses the local PostgreSQL of the data directory (started by the first, stopped by the last).");
        text.Append("data directory: ").Append(home).Append(" (LEDGER_HOME)");
        return text.ToString();
    }
}
