using System.Net;
using Milter.Configuration;
using Milter.Configuration.Checks;
using Milter.Configuration.Policy;
using Milter.Daemon.Startup;
using Milter.Dkim;
using Milter.Dkim.Keys;

namespace Milter.Daemon.Commands;

/// <summary>
/// <c>dkim-milter explain -x FILE --from ADDRESS [--client IP] [--auth USER] [--to ADDRESS] [--macro NAME=VALUE]</c>:
/// answers "would this message be signed, verified or left alone, and why?" with the same decision code the
/// milter runs (<see cref="SigningPolicy"/>), so the answer cannot drift from what the daemon does.
/// </summary>
internal static class ExplainCommand
{
    public const string Usage = """
        usage: dkim-milter explain [-x configfile] --from ADDRESS [--client IP] [--auth USER] [--to ADDRESS] [--macro NAME=VALUE]
          --from ADDRESS   the address in the message's From header (user@domain)
          --client IP      the SMTP client's address (default 127.0.0.1, as for locally submitted mail)
          --auth USER      the session authenticated as USER (sets {auth_type} and {auth_authen})
          --to ADDRESS     an envelope recipient (repeatable; DontSignMailTo looks at these)
          --macro N=V      an MTA macro, e.g. --macro daemon_name=ORIGINATING (repeatable)
        """;

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        string? configPath = null, sender = null, client = "127.0.0.1";
        var recipients = new List<string>();
        var macros = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "-x": configPath = Value(); break;
                    case "--from": sender = Value(); break;
                    case "--client": client = Value(); break;
                    case "--auth":
                        // What Postfix sends after SMTP AUTH; OpenDKIM looks at {auth_type}.
                        macros["auth_authen"] = Value();
                        macros["auth_type"] = "PLAIN";
                        break;
                    case "--to": recipients.Add(Value()); break;
                    case "--macro":
                        var pair = Value().Split('=', 2);
                        macros[pair[0].Trim('{', '}')] = pair.Length == 2 ? pair[1] : "";
                        break;
                    case "-h" or "--help":
                        output.WriteLine(Usage);
                        return ExitCodes.Success;
                    default: throw new FormatException($"unknown option {args[i]}");
                }
            }
            catch (FormatException ex)
            {
                error.WriteLine($"dkim-milter explain: {ex.Message}");
                error.WriteLine(Usage);
                return ExitCodes.Usage;
            }
        }

        if (sender is null || !IPAddress.TryParse(client, out var clientAddress))
        {
            error.WriteLine(sender is null ? "dkim-milter explain: --from is required" : $"dkim-milter explain: '{client}' is not an IP address");
            error.WriteLine(Usage);
            return ExitCodes.Usage;
        }

        ConfigFile config;
        try
        {
            config = ConfigFileParser.Load(configPath ?? CommandLine.DefaultConfigPath);
        }
        catch (ConfigurationException ex)
        {
            error.WriteLine($"dkim-milter: {ex.Message}");
            return ExitCodes.Config;
        }

        var diagnostics = new List<ConfigDiagnostic>();
        var policy = SigningPolicy.From(config, diagnostics);
        foreach (var diagnostic in diagnostics)
        {
            error.WriteLine($"dkim-milter: {diagnostic}");
        }

        var decision = policy.Decide(new MessageFacts(sender, clientAddress, null, name => macros.GetValueOrDefault(name.Trim('{', '}')), recipients));
        switch (decision.Action)
        {
            case PolicyAction.Sign:
                foreach (var key in decision.Keys)
                {
                    output.WriteLine($"would sign with key {key.Key.Name} (d={key.Domain}, s={key.Key.Selector}, a={Algorithm(key)}{(key.Identity is null ? "" : $", i={key.Identity}")})");
                }

                break;
            case PolicyAction.Verify:
                output.WriteLine("would verify (not sign)");
                break;
            case PolicyAction.Unavailable:
                output.WriteLine("would apply On-InternalError (the tables cannot be read now)");
                break;
            default:
                output.WriteLine("would do nothing");
                break;
        }

        output.WriteLine($"because: {decision.Explanation}");
        return diagnostics.Any(diagnostic => diagnostic.IsError) ? ExitCodes.Config : ExitCodes.Success;
    }

    private static string Algorithm(SigningKeyChoice key)
    {
        try
        {
            using var loaded = key.Key.KeyPath is { } path ? PrivateKeyLoader.LoadFile(path) : PrivateKeyLoader.Parse(key.Key.InlineKey!, key.Key.KeyDescription);
            return loaded.Algorithm.ToTagValue();
        }
        catch (KeyFormatException ex)
        {
            return $"? (key unusable: {ex.Problem})";
        }
    }
}
